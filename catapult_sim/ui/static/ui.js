// The live indicator: the htmx SSE extension says when the feed opens and when it breaks.
(function () {
  function show(text, cls) {
    var el = document.getElementById("live");
    if (el) { el.textContent = text; el.className = "live " + cls; }
  }
  document.body.addEventListener("htmx:sseOpen", function () { show("live", "on"); });
  document.body.addEventListener("htmx:sseError", function () { show("reconnecting…", "off"); });
})();
