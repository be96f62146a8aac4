/* The operations map: two uPlot charts from the page's JSON (#chart-data), and a Leaflet
   map of the wards and facilities (#map-data) loaded only when asked for, so the first
   load stays small. Without JavaScript the tables carry every figure. */
(function () {
  "use strict";
  var COLOURS = {community: "#dc3545", imported: "#0d6efd", watched: "#6c757d", tests: "#198754",
                 lab: "#6f42c1", positivity: "#fd7e14"};
  var LEVEL_COLOURS = {1: "#198754", 2: "#ffc107", 3: "#fd7e14", 4: "#dc3545"};

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function seconds(days) {
    return days.map(function (day) { return Date.parse(day + "T00:00:00Z") / 1000; });
  }

  function sum(a, b) { return a.map(function (v, i) { return (v || 0) + (b[i] || 0); }); }

  function raw(values) {
    return function (u, v, si, i) { return i == null ? "—" : values[i]; };
  }

  function width(box) { return Math.max(box.clientWidth, 280); }

  function casesChart(box, data) {
    var labels = box.dataset.labels.split("|");
    var bars = uPlot.paths.bars({size: [0.7, 40]});
    var top = sum(sum(data.community, data.imported), data.in_follow_up);
    var middle = sum(data.community, data.imported);
    var series = [
      {value: "{DD}/{MM}"},
      {label: labels[2], fill: COLOURS.watched, stroke: COLOURS.watched, paths: bars, points: {show: false},
       value: raw(data.in_follow_up)},
      {label: labels[1], fill: COLOURS.imported, stroke: COLOURS.imported, paths: bars, points: {show: false},
       value: raw(data.imported)},
      {label: labels[0], fill: COLOURS.community, stroke: COLOURS.community, paths: bars, points: {show: false},
       value: raw(data.community)}
    ];
    return new uPlot({width: width(box), height: 220, series: series, scales: {x: {time: true}},
                      axes: [{values: "{DD}/{MM}"}, {size: 40}]},
                     [seconds(data.days), top, middle, data.community], box);
  }

  function testsChart(box, data) {
    var labels = box.dataset.labels.split("|");
    var series = [
      {value: "{DD}/{MM}"},
      {label: labels[0], stroke: COLOURS.tests, width: 2},
      {label: labels[1], stroke: COLOURS.lab, width: 2},
      {label: labels[2], stroke: COLOURS.positivity, dash: [6, 4], scale: "%",
       value: function (u, v) { return v == null ? "—" : v.toFixed(1) + " %"; }}
    ];
    return new uPlot({width: width(box), height: 220, series: series,
                      scales: {x: {time: true}, "%": {range: function (u, min, max) {
                        return [0, Math.max(5, Math.ceil((max || 0) * 1.25))]; }}},
                      axes: [{values: "{DD}/{MM}"}, {size: 48},
                             {side: 1, scale: "%", size: 44, grid: {show: false},
                              values: function (u, vals) { return vals.map(function (v) { return v + "%"; }); }}]},
                     [seconds(data.days), data.tests, data.lab_tests, data.positivity], box);
  }

  function charts() {
    var data = read("chart-data");
    if (!data || typeof uPlot === "undefined") { return; }
    var made = [];
    var cases = document.getElementById("chart-cases");
    var tests = document.getElementById("chart-tests");
    if (cases) { made.push([casesChart(cases, data), cases]); }
    if (tests) { made.push([testsChart(tests, data), tests]); }
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        made.forEach(function (pair) { pair[0].setSize({width: width(pair[1]), height: 220}); });
      }, 150);
    });
  }

  function load(tag, attrs) {
    return new Promise(function (resolve, reject) {
      var node = document.createElement(tag);
      Object.keys(attrs).forEach(function (k) { node[k] = attrs[k]; });
      node.onload = resolve;
      node.onerror = reject;
      document.head.appendChild(node);
    });
  }

  function drawMap(box, points, tiles) {
    box.hidden = false;
    var map = L.map(box);
    L.tileLayer(tiles, {maxZoom: 18, attribution: "© OpenStreetMap"}).addTo(map);
    var bounds = [];
    points.wards.forEach(function (w) {
      var colour = LEVEL_COLOURS[w.level] || "#6c757d";
      L.circleMarker([w.lat, w.lng], {radius: 9, color: "#333", weight: 1, fillColor: colour, fillOpacity: 0.85})
        .bindTooltip(w.name + (w.level ? " · " + w.level : "") + (w.rate != null ? " · " + w.rate : ""))
        .addTo(map);
      bounds.push([w.lat, w.lng]);
    });
    points.facilities.forEach(function (f) {
      L.circleMarker([f.lat, f.lng], {radius: 6, color: "#0d6efd", weight: 3, fillColor: "#fff", fillOpacity: 1})
        .bindTooltip(f.name + (f.beds ? " · " + f.beds : ""))
        .addTo(map);
      bounds.push([f.lat, f.lng]);
    });
    if (bounds.length) { map.fitBounds(bounds, {padding: [20, 20], maxZoom: 12}); } else { map.setView([22.39, 103.46], 9); }
  }

  function mapButton() {
    var button = document.getElementById("map-open");
    var box = document.getElementById("ops-map");
    var points = read("map-data");
    if (!button || !box || !points || (!points.wards.length && !points.facilities.length)) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      load("link", {rel: "stylesheet", href: button.dataset.css})
        .then(function () { return load("script", {src: button.dataset.js}); })
        .then(function () { button.hidden = true; drawMap(box, points, button.dataset.tiles); })
        .catch(function () { button.disabled = false; });
    });
  }

  charts();
  mapButton();
})();
