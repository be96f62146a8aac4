/* The help request form: a map to put the pin on (tap, or drag the pin) and a button that
   asks the phone for its location. Both fill in the latitude and longitude inputs, which
   still work by hand without JavaScript or without tiles. */
(function () {
  "use strict";
  var lat = document.getElementById("id_latitude");
  var lng = document.getElementById("id_longitude");
  var box = document.getElementById("sos-picker");
  var help = document.getElementById("sos-picker-help");
  var locate = document.getElementById("sos-locate");
  var status = document.getElementById("sos-locate-status");
  var source = document.getElementById("sos-map-config");
  if (!lat || !lng) { return; }
  var config = source ? JSON.parse(source.textContent) : null;
  var words = (config && config.words) || {finding: "", found: "", failed: ""};
  var map = null;
  var marker = null;

  function set(latitude, longitude, zoom) {
    lat.value = latitude.toFixed(6);
    lng.value = longitude.toFixed(6);
    if (!map) { return; }
    var here = [latitude, longitude];
    if (marker) { marker.setLatLng(here); } else {
      marker = L.marker(here, {draggable: true}).addTo(map);
      marker.on("dragend", function () {
        var moved = marker.getLatLng();
        set(moved.lat, moved.lng);
      });
    }
    if (zoom) { map.setView(here, zoom); }
  }

  if (typeof L !== "undefined" && box && config) {
    box.hidden = false;
    if (help) { help.hidden = false; }
    map = L.map(box);
    L.tileLayer(config.tiles, {maxZoom: 19, attribution: "© OpenStreetMap"}).addTo(map);
    var start = [parseFloat(lat.value.replace(",", ".")), parseFloat(lng.value.replace(",", "."))];
    if (!isNaN(start[0]) && !isNaN(start[1])) { set(start[0], start[1], 15); } else { map.fitBounds(config.bounds); }
    map.on("click", function (event) { set(event.latlng.lat, event.latlng.lng); });
    [lat, lng].forEach(function (input) {
      input.addEventListener("change", function () {
        var a = parseFloat(lat.value.replace(",", ".")), b = parseFloat(lng.value.replace(",", "."));
        if (!isNaN(a) && !isNaN(b)) { set(a, b, 15); }
      });
    });
  }

  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      if (status) { status.textContent = words.finding; }
      navigator.geolocation.getCurrentPosition(function (position) {
        set(position.coords.latitude, position.coords.longitude, 16);
        if (status) { status.textContent = words.found; }
      }, function () {
        if (status) { status.textContent = words.failed; }
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    });
  }
})();
