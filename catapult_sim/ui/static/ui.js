// The live indicator: the htmx SSE extension says when the feed opens and when it breaks.
(function () {
  function show(text, cls) {
    var el = document.getElementById("live");
    if (el) { el.textContent = text; el.className = "live " + cls; }
  }
  document.body.addEventListener("htmx:sseOpen", function () { show("live", "on"); });
  document.body.addEventListener("htmx:sseError", function () { show("reconnecting…", "off"); });
})();
// A select marked data-autosubmit submits its form when changed (no inline script: the CSP forbids it).
document.addEventListener("change", function (ev) {
  var el = ev.target;
  if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) { el.form.submit(); }
});
