// Starts Swagger UI on /docs with FastAPI's default options. A file of its own, not an inline
// script: the Content-Security-Policy (search_api/security.py) allows scripts from this origin only.
(function () {
  "use strict";

  var root = document.getElementById("swagger-ui");
  var SwaggerUIBundle = window.SwaggerUIBundle;
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
  });
})();
