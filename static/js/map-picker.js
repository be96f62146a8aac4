/* Location picker: a Leaflet map that fills in the latitude and longitude inputs, and a
   button that asks the phone or computer for its location.
   The inputs are the picker: without JavaScript, without Leaflet or without tiles (a
   portal without the internet, MAP_TILE_URL empty, or tiles that fail to load) they still
   take typed coordinates, the location button still works, and a line says why there is
   no map. The map starts at the province's centre (data-center) until a place is set. */
(function () {
  "use strict";
  var GIVE_UP_MS = 8000;  // no tile by then: say the map is blank

  function number(input) { return parseFloat((input.value || "").replace(",", ".")); }

  document.querySelectorAll(".map-picker").forEach(function (box) {
    var lat = document.getElementById(box.dataset.lat);
    var lng = document.getElementById(box.dataset.lng);
    if (!lat || !lng) { return; }
    var block = box.closest(".map-picker-block");
    var part = function (name) { return block ? block.querySelector(name) : null; };
    var blank = part(".map-blank");
    var help = part(".map-help");
    var locate = part(".map-locate");
    var status = part(".map-status");
    var words = box.dataset;
    var center = (words.center || "22.39,103.46").split(",").map(parseFloat);
    var map = null;
    var marker = null;

    function say(element, text) {
      if (!element) { return; }
      element.textContent = text || "";
      element.hidden = !text;
    }

    function pin(latitude, longitude, zoom) {
      if (!map) { return; }
      var here = [latitude, longitude];
      if (marker) { marker.setLatLng(here); } else { marker = L.marker(here).addTo(map); }
      if (zoom) { map.setView(here, zoom); }
    }

    function set(latitude, longitude, zoom) {
      lat.value = latitude.toFixed(6);
      lng.value = longitude.toFixed(6);
      pin(latitude, longitude, zoom);
    }

    if (typeof L === "undefined") {
      say(blank, words.noMap);
    } else if (!box.dataset.tiles) {
      say(blank, words.noTiles);
    } else {
      box.hidden = false;
      if (help) { help.hidden = false; }
      var known = !isNaN(number(lat)) && !isNaN(number(lng));
      map = L.map(box).setView(known ? [number(lat), number(lng)] : center, known ? 16 : 9);
      var loaded = 0;
      var layer = L.tileLayer(box.dataset.tiles, {maxZoom: 19, attribution: "attribution" in box.dataset ? box.dataset.attribution : "© OpenStreetMap"});
      var failed = function () {
        if (loaded) { return; }
        say(blank, words.tilesFailed);
        if (help) { help.hidden = true; }
      };
      layer.on("tileload", function () {
        loaded += 1;
        say(blank, "");
        if (help) { help.hidden = false; }
      });
      layer.on("tileerror", failed);
      layer.addTo(map);
      setTimeout(failed, GIVE_UP_MS);
      if (known) { pin(number(lat), number(lng)); }
      map.on("click", function (event) { set(event.latlng.lat, event.latlng.lng); });
      [lat, lng].forEach(function (input) {
        input.addEventListener("change", function () {
          var a = number(lat), b = number(lng);
          if (!isNaN(a) && !isNaN(b)) { pin(a, b, 16); }
        });
      });
    }

    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        say(status, words.finding);
        navigator.geolocation.getCurrentPosition(function (position) {
          set(position.coords.latitude, position.coords.longitude, 16);
          say(status, words.found);
        }, function () {
          say(status, words.failed);
        }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
      });
    }
  });
})();
