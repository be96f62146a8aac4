/* The public COVID-safe map: the facilities of /api/v1/safetymap/facilities.geojson,
   coloured by status and clustered on a grid of the screen (one pass over the points per
   move, drawn on a canvas: tens of thousands of facilities stay smooth on a cheap phone).
   Filters by type and status and the search by name work on the points already loaded; a
   commune or ward asks the server for its facilities only. The data is asked again every
   `refresh` seconds with its ETag (a 304 when nothing changed), so colours follow without
   a reload. Without tiles (MAP_TILE_URL empty, or none load) the points sit on a blank map. */
(function () {
  "use strict";
  var box = document.getElementById("sm-map");
  var source = document.getElementById("sm-config");
  if (typeof L === "undefined" || !box || !source) { return; }
  var started = performance.now();
  var config = JSON.parse(source.textContent);
  var words = config.words;
  var form = document.getElementById("sm-filters");
  var search = document.getElementById("sm-search");
  var typeSelect = document.getElementById("sm-type");
  var wardSelect = document.getElementById("sm-ward");
  var shownLine = document.getElementById("sm-shown");
  var CELL = 56;          // px: points closer than this on screen make one cluster
  var SINGLE_ZOOM = 16;   // from this zoom on, every point is drawn alone

  window.safetyMap = {lastDrawMs: 0};
  var renderer = L.canvas({padding: 0.3});
  var map = L.map(box, {preferCanvas: true, renderer: renderer, zoomControl: true, minZoom: 5, maxZoom: 19})
    .setView(config.center, config.zoom);
  if (config.tiles) {
    var tiles = L.tileLayer(config.tiles, {maxZoom: 19, attribution: config.attribution});
    var loaded = false;
    tiles.on("tileload", function () { loaded = true; });
    tiles.addTo(map);
    setTimeout(function () { if (!loaded) { say(document.getElementById("sm-no-tiles"), words.noTiles); } }, 8000);
  } else {
    say(document.getElementById("sm-no-tiles"), words.noTiles);
  }
  var layer = L.layerGroup().addTo(map);

  function say(element, text) { if (element) { element.textContent = text; element.hidden = !text; } }

  // Points as parallel arrays: cheap to filter and project.
  var points = [];   // {id, name, key, type, status, at, score, lat, lng}
  var etag = null;
  var wardLoaded = "";
  var firstFit = true;

  function key(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  function chosenStatuses() {
    var found = {};
    form.querySelectorAll("input[name=status]").forEach(function (input) { if (input.checked) { found[input.value] = true; } });
    return found;
  }

  function visible() {
    var statuses = chosenStatuses();
    var type = typeSelect.value;
    var wanted = key(search.value.trim());
    return points.filter(function (p) {
      if (!statuses[p.status] || (type && p.type !== type)) { return false; }
      if (!wanted) { return true; }
      if (p.key === null) { p.key = key(p.name); }  // made once, at the first search
      return p.key.indexOf(wanted) !== -1;
    });
  }

  var WORST = ["unsafe", "high_risk", "at_risk", "safe", "not_assessed"];  // ties go to the worse

  function popup(p) {
    var root = document.createElement("div");
    var name = document.createElement("div");
    name.className = "sm-popup-name";
    name.textContent = p.name;
    root.appendChild(name);
    var line = document.createElement("div");
    line.textContent = (config.types[p.type] || p.type) + " · " + (config.statuses[p.status] || p.status);
    root.appendChild(line);
    var when = document.createElement("div");
    when.className = "small";
    if (p.at) {
      var date = new Date(p.at);
      when.textContent = words.assessed + ": " + date.toLocaleString(document.documentElement.lang || "vi", {
        hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric"
      }) + (p.score === null ? "" : " · " + words.score + " " + p.score);
    } else {
      when.textContent = words.never;
    }
    root.appendChild(when);
    var link = document.createElement("a");
    link.href = config.report.replace("{id}", String(p.id));
    link.textContent = words.report;
    link.className = "d-inline-block mt-1";
    root.appendChild(link);
    return root;
  }

  function drawSingle(p) {
    L.circleMarker([p.lat, p.lng], {
      renderer: renderer, radius: 7, weight: 1.5, color: "#fff", fillColor: config.colours[p.status] || "#333", fillOpacity: 0.95
    }).on("click", function (event) {
      L.popup().setLatLng(event.latlng).setContent(popup(p)).openOn(map);
    }).addTo(layer);
  }

  function drawCluster(cell) {
    // The colour most of the cluster's facilities have; a red ring when one of them is unsafe.
    var most = "not_assessed";
    for (var i = 0; i < WORST.length; i++) {
      if ((cell.statuses[WORST[i]] || 0) > (cell.statuses[most] || 0)) { most = WORST[i]; }
    }
    var ring = cell.statuses.unsafe && most !== "unsafe" ? " sm-ring" : "";
    var size = cell.count < 10 ? 26 : cell.count < 100 ? 32 : cell.count < 1000 ? 40 : 48;
    var marker = L.marker([cell.lat / cell.count, cell.lng / cell.count], {
      icon: L.divIcon({className: "", html: "<div class=\"sm-cluster sm-" + most + ring + "\">" + cell.count + "</div>", iconSize: [size, size]}),
      keyboard: true, title: String(cell.count)
    });
    marker.on("add", function () {
      var el = marker.getElement();
      if (el && el.firstChild) { el.firstChild.style.width = size + "px"; el.firstChild.style.height = size + "px"; }
    });
    marker.on("click", function () {
      map.fitBounds(L.latLngBounds([cell.south, cell.west], [cell.north, cell.east]).pad(0.1), {maxZoom: SINGLE_ZOOM});
    });
    marker.addTo(layer);
  }

  function draw() {
    var began = performance.now();
    layer.clearLayers();
    var shown = visible();
    var zoom = map.getZoom();
    var bounds = map.getBounds().pad(0.2);
    var cells = {};
    var inView = 0;
    for (var i = 0; i < shown.length; i++) {
      var p = shown[i];
      if (!bounds.contains([p.lat, p.lng])) { continue; }
      inView++;
      if (zoom >= SINGLE_ZOOM) { drawSingle(p); continue; }
      var at = map.project([p.lat, p.lng], zoom);
      var id = Math.floor(at.x / CELL) + ":" + Math.floor(at.y / CELL);
      var cell = cells[id];
      if (!cell) {
        cell = cells[id] = {count: 0, lat: 0, lng: 0, first: p, statuses: {}, south: 90, north: -90, west: 180, east: -180};
      }
      cell.count++;
      cell.lat += p.lat; cell.lng += p.lng;
      cell.statuses[p.status] = (cell.statuses[p.status] || 0) + 1;
      if (p.lat < cell.south) { cell.south = p.lat; }
      if (p.lat > cell.north) { cell.north = p.lat; }
      if (p.lng < cell.west) { cell.west = p.lng; }
      if (p.lng > cell.east) { cell.east = p.lng; }
    }
    Object.keys(cells).forEach(function (id) {
      var cell = cells[id];
      if (cell.count === 1) { drawSingle(cell.first); } else { drawCluster(cell); }
    });
    shownLine.textContent = words.shown.replace("%(n)s", String(shown.length));
    results(shown);
    window.safetyMap.lastDrawMs = performance.now() - began;
    return inView;
  }

  var resultList = null;
  function results(shown) {
    if (!resultList) {
      resultList = document.createElement("ul");
      resultList.className = "list-unstyled small sm-results mb-2";
      resultList.id = "sm-results";
      box.parentNode.insertBefore(resultList, box);
    }
    resultList.textContent = "";
    if (!search.value.trim()) { return; }
    shown.slice(0, 10).forEach(function (p) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link btn-sm p-0 text-start";
      button.textContent = p.name + " · " + (config.statuses[p.status] || p.status);
      button.addEventListener("click", function () {
        map.setView([p.lat, p.lng], SINGLE_ZOOM);
        L.popup().setLatLng([p.lat, p.lng]).setContent(popup(p)).openOn(map);
      });
      item.appendChild(button);
      resultList.appendChild(item);
    });
  }

  function counts() {
    var found = {};
    points.forEach(function (p) { found[p.status] = (found[p.status] || 0) + 1; });
    form.querySelectorAll("[data-count]").forEach(function (span) {
      span.textContent = "(" + (found[span.dataset.count] || 0) + ")";
    });
  }

  function ask(ward) {
    var first = window.safetyMapFirstData;
    window.safetyMapFirstData = null;
    if (first && !ward) {
      // The download the page began (map-data.js); a failure asks again.
      return first.then(function (got) {
        if (!got) { return ask(ward); }
        etag = got.etag;
        return got.data;
      });
    }
    var url = config.source + (ward ? "?ward_code=" + encodeURIComponent(ward) : "");
    var headers = {Accept: "application/geo+json"};
    if (etag && ward === wardLoaded) { headers["If-None-Match"] = etag; }
    return fetch(url, {headers: headers, cache: "no-store"}).then(function (response) {
      if (response.status === 304) { return null; }
      if (!response.ok) { throw new Error(String(response.status)); }
      etag = response.headers.get("ETag");
      return response.json();
    });
  }

  function load() {
    var ward = wardSelect.value;
    return ask(ward).then(function (data) {
      if (!data) { return; }
      var changedWard = ward !== wardLoaded;
      wardLoaded = ward;
      points = data.features.map(function (f) {
        var q = f.properties;
        return {id: q.id, name: q.name, key: null, type: q.type, status: q.status, at: q.assessed_at,
                score: q.score, lat: f.geometry.coordinates[1], lng: f.geometry.coordinates[0]};
      });
      counts();
      if ((firstFit || changedWard) && points.length) {
        var south = 90, north = -90, west = 180, east = -180;
        points.forEach(function (p) {
          if (p.lat < south) { south = p.lat; } if (p.lat > north) { north = p.lat; }
          if (p.lng < west) { west = p.lng; } if (p.lng > east) { east = p.lng; }
        });
        map.fitBounds([[south, west], [north, east]], {padding: [10, 10], animate: false, maxZoom: 15});
      }
      firstFit = false;
      draw();
      if (!document.body.dataset.smReady) {
        // When the first points were drawn, in ms since the navigation began (the benchmark reads it).
        document.body.dataset.smReady = String(Math.round(performance.now()));
        document.body.dataset.smScript = String(Math.round(performance.now() - started));
      }
    }).catch(function () { /* keep what is drawn; the next refresh tries again */ });
  }

  var pending = null;
  function redrawSoon() { if (pending) { clearTimeout(pending); } pending = setTimeout(draw, 120); }
  map.on("moveend", draw);
  form.addEventListener("submit", function (event) { event.preventDefault(); draw(); });
  form.addEventListener("change", function (event) {
    if (event.target === wardSelect) { etag = null; load(); } else { draw(); }
  });
  search.addEventListener("input", redrawSoon);
  load();
  setInterval(function () { if (!document.hidden) { load(); } }, (config.refresh || 60) * 1000);
  window.safetyMap.reload = load;
  window.safetyMap.map = map;
  window.safetyMap.point = function (id) { return points.filter(function (p) { return p.id === id; })[0] || null; };
  window.safetyMap.count = function () { return points.length; };
})();
