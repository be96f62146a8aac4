/* The public map's data is asked for with the page (a preload link in its head, which the
   browser starts at once), and read here before Leaflet and map.js have loaded (they are
   deferred): map.js takes the answer from window.safetyMapFirstData. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch) { return; }
  // The same request as the page's preload link, so the answer it began is used.
  window.safetyMapFirstData = fetch(script.dataset.source, {mode: "cors", credentials: "same-origin"})
    .then(function (response) {
      if (!response.ok) { return null; }
      var etag = response.headers.get("ETag");
      return response.json().then(function (data) { return {data: data, etag: etag}; });
    })
    .catch(function () { return null; });
})();
