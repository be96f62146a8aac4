/* One request's exact place on a small map (staff and the assigned volunteer only). */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }
  document.querySelectorAll(".sos-point").forEach(function (box) {
    var lat = parseFloat(box.dataset.lat);
    var lng = parseFloat(box.dataset.lng);
    if (isNaN(lat) || isNaN(lng)) { return; }
    box.hidden = false;
    var map = L.map(box).setView([lat, lng], 15);
    L.tileLayer(box.dataset.tiles, {maxZoom: 19, attribution: "© OpenStreetMap"}).addTo(map);
    L.marker([lat, lng]).addTo(map);
  });
})();
