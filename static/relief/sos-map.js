/* The public SOS map: the points of /api/v1/relief/sos.geojson (type, status, a place
   rounded to about a kilometre), coloured by status, with checkboxes to show or hide a
   status. Without JavaScript the table under the map says the same in numbers. */
(function () {
  "use strict";
  var box = document.getElementById("sos-map");
  var source = document.getElementById("sos-map-config");
  if (typeof L === "undefined" || !box || !source) { return; }
  var config = JSON.parse(source.textContent);
  var filters = document.getElementById("sos-filters");
  var colours = {};
  Object.keys(config.statuses).forEach(function (status) {
    colours[status] = getComputedStyle(document.documentElement).getPropertyValue("--sos-" + status).trim() || "#333";
  });
  box.hidden = false;
  if (filters) { filters.hidden = false; }
  var map = L.map(box).fitBounds(config.bounds);
  L.tileLayer(config.tiles, {maxZoom: 18, attribution: "© OpenStreetMap"}).addTo(map);
  var layer = L.layerGroup().addTo(map);

  function chosen(name) {
    if (!filters) { return []; }
    return Array.prototype.filter.call(filters.querySelectorAll("input[name=" + name + "]"), function (input) {
      return input.checked;
    }).map(function (input) { return input.value; });
  }

  function words(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function draw(collection) {
    layer.clearLayers();
    collection.features.forEach(function (feature) {
      var point = feature.geometry.coordinates;
      var props = feature.properties;
      L.circleMarker([point[1], point[0]], {
        radius: 8, weight: 2, color: "#fff", fillColor: colours[props.status] || "#333", fillOpacity: 0.9
      }).bindPopup(words(
        (config.types[props.type] || props.type) + " · " + (config.statuses[props.status] || props.status)
      )).addTo(layer);
    });
  }

  function load() {
    var statuses = chosen("status");
    var types = chosen("type");
    if (filters && (statuses.length === 0 || types.length === 0)) { draw({features: []}); return; }
    var url = config.source;
    if (filters) {
      url += "?status=" + encodeURIComponent(statuses.join(",")) + "&type=" + encodeURIComponent(types.join(","));
    }
    fetch(url, {headers: {Accept: "application/geo+json"}})
      .then(function (response) { return response.ok ? response.json() : {features: []}; })
      .then(draw)
      .catch(function () { draw({features: []}); });
  }

  if (filters) { filters.addEventListener("change", load); }
  load();
})();
