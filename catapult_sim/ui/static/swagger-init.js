// Swagger UI on the simulator's own OpenAPI document; no validator badge (it would call a server).
window.addEventListener("load", function () {
  var el = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: el.getAttribute("data-url"),
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    // The document names JSON Schema 2020-12 as its dialect (what every schema in it is); Swagger UI
    // renders that dialect but warns about any jsonSchemaDialect other than its own default.
    responseInterceptor: function (res) {
      if (res.url && res.url.indexOf("/openapi.json") !== -1 && typeof res.text === "string") {
        try {
          var doc = JSON.parse(res.text);
          delete doc.jsonSchemaDialect;
          res.text = JSON.stringify(doc);
          res.body = doc;
          res.obj = doc;
        } catch (e) { /* not JSON: leave it to Swagger UI to say so */ }
      }
      return res;
    },
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
