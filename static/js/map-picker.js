/* Location picker: a Leaflet map that fills in the latitude and longitude inputs.
   Without JavaScript (or without tiles) the two number inputs still work. */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }
  document.querySelectorAll(".map-picker").forEach(function (box) {
    var lat = document.getElementById(box.dataset.lat);
    var lng = document.getElementById(box.dataset.lng);
    if (!lat || !lng) { return; }
    box.hidden = false;
    var start = lat.value && lng.value ? [parseFloat(lat.value), parseFloat(lng.value)] : [22.39, 103.46];
    var map = L.map(box).setView(start, lat.value ? 16 : 9);
    L.tileLayer(box.dataset.tiles, {maxZoom: 19, attribution: "© OpenStreetMap"}).addTo(map);
    var marker = lat.value ? L.marker(start).addTo(map) : null;
    map.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(6);
      lng.value = event.latlng.lng.toFixed(6);
      if (marker) { marker.setLatLng(event.latlng); } else { marker = L.marker(event.latlng).addTo(map); }
    });
  });
})();
