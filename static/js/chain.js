/* Chain of transmission graph (templates/contacts/chain.html).
   Loads the compact JSON of contacts/selectors/chains.py and draws it with the vendored Cytoscape:
   nodes are people (colour: F level; shape and border: status), edges run from the
   person who exposed to the person exposed. Big graphs get a linear-time layout, no
   edge labels until hovered or selected, and cheaper rendering while panning. The
   table beside the graph is server-rendered and lists the same links without this.

   Readable at both ends: the view fits the graph with a margin but never zooms in past
   MAX_FIT_ZOOM (two people are not blown up across the screen), and edges of small graphs
   are long enough for their wrapped label. Cases are always labelled, sized to read at the
   fitted zoom; people's names and the edges' labels appear only once the zoom makes them
   readable (``labelsForZoom``), so a 74-person cluster shows its cases over a clean graph
   and a 5,000-person one its shape, and names come as one zooms in, taps or hovers. */
(function () {
  "use strict";
  var box = document.getElementById("chain-graph");
  if (!box || typeof window.cytoscape !== "function") { return; }
  var info = document.getElementById("chain-info");
  var controls = document.getElementById("chain-controls");
  var SMALL = 200;        // up to this many nodes: roomy rings, arrows, and labels that read
  var EDGE_LABELS = 500;  // beyond this many edges, labels only on hover or selection
  var FIT_PADDING = 40;   // screen pixels around the graph when it is fitted
  var MAX_FIT_ZOOM = 1.25;
  var NODE_FONT = 11, EDGE_FONT = 9;  // at zoom 1, in model units
  var LABEL_MIN_PX = 8;   // Cytoscape skips a label smaller than this on screen
  var READ_PX = 11;       // what a label should measure on screen to be drawn
  var EDGE_LABEL_WIDTH = 110;  // edge labels wrap at this width (model units)

  function say(text) { box.textContent = ""; var p = document.createElement("p"); p.className = "text-muted small p-3"; p.textContent = text; box.appendChild(p); }
  say(box.dataset.loading);

  fetch(box.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(draw)
    .catch(function () { say(box.dataset.error); });

  function draw(data) {
    var started = window.performance.now();
    var labels = data.labels;
    var lang = document.documentElement.lang || "vi";
    var when = new Intl.DateTimeFormat(lang, { timeZone: data.tz, day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" });
    var nodes = data.nodes, edges = data.edges;
    var big = nodes.length > SMALL;
    var hideEdgeLabels = edges.length > EDGE_LABELS;
    // Every size gets the radial trees; a small graph's rings are far enough apart for an
    // edge's wrapped label between two people, and its people far enough apart for a name.
    var positions = big ? treePositions(nodes, edges, 22, 70) : treePositions(nodes, edges, 60, EDGE_LABEL_WIDTH + 60);
    var elements = new Array(nodes.length + edges.length);
    nodes.forEach(function (n, i) {
      // n = [case id or 0, masked name or "", level, status]
      elements[i] = { group: "nodes", data: {
        id: "n" + i, case: n[0], name: n[1], level: n[2], band: Math.min(n[2], 2), status: n[3],
        label: n[0] ? "#" + n[0] : n[1]
      }, position: positions[i] };
    });
    edges.forEach(function (e, i) {
      // e = [source, target, via, venue index or -1, epoch seconds, count]
      var how = e[3] >= 0 ? data.venues[e[3]] : (labels.via[e[2]] || e[2]);
      var text = how + " · " + when.format(new Date(e[4] * 1000)) + (e[5] > 1 ? " ×" + e[5] : "");
      var link = nodes[e[0]][2] === 0 && nodes[e[1]][0] ? 1 : 0;  // a case to a person who became one
      elements[nodes.length + i] = { group: "edges", data: { id: "e" + i, source: "n" + e[0], target: "n" + e[1], label: text, link: link } };
    });
    box.textContent = "";
    var cy = window.cytoscape({
      container: box,
      elements: elements,
      layout: { name: "preset" },
      minZoom: 0.02,
      maxZoom: 4,
      pixelRatio: big ? 1 : "auto",
      textureOnViewport: big,
      hideEdgesOnViewport: big,
      hideLabelsOnViewport: big,
      motionBlur: false,
      style: style(big)
    });
    box.cy = cy;  // for the browser tests and anyone debugging in the console
    fitView(cy, cy.elements());
    sizeCaseLabels(cy, big);
    fitView(cy, cy.elements());  // again: the dots may have grown
    var shown = { names: null, edges: null };
    function labelsForZoom() {
      // Names and edge labels once they read; toggled only when the zoom crosses the line.
      var zoom = cy.zoom();
      var names = zoom * NODE_FONT >= READ_PX - 1, edgeText = !hideEdgeLabels && zoom * EDGE_FONT >= LABEL_MIN_PX;
      if (names === shown.names && edgeText === shown.edges) { return; }
      cy.batch(function () {
        if (names !== shown.names) { cy.nodes("[case = 0]")[names ? "addClass" : "removeClass"]("named"); }
        if (edgeText !== shown.edges) { cy.edges()[edgeText ? "addClass" : "removeClass"]("labelled"); }
      });
      shown.names = names; shown.edges = edgeText;
    }
    labelsForZoom();
    cy.on("zoom", labelsForZoom);
    // How long building and laying out took, in ms: read by the benchmark and browser checks.
    box.dataset.drawn = String(Math.round(window.performance.now() - started));

    cy.on("mouseover", "node", function (ev) { ev.target.addClass("show-label"); });
    cy.on("mouseout", "node", function (ev) { ev.target.removeClass("show-label"); });
    cy.on("mouseover", "edge", function (ev) { ev.target.addClass("show-label"); });
    cy.on("mouseout", "edge", function (ev) { if (!ev.target.selected()) { ev.target.removeClass("show-label"); } });
    cy.on("select", "node", function (ev) { ev.target.connectedEdges().addClass("show-label"); });
    cy.on("unselect", "node", function (ev) { ev.target.connectedEdges().removeClass("show-label"); });
    cy.on("tap", "node", function (ev) {
      var d = ev.target.data();
      var who = (d.case ? labels.case + " #" + d.case + " " : "") + (d.name || (d.case ? "" : labels.anonymous));
      info.textContent = "F" + d.level + " · " + who.trim() + " · " + (labels.status[d.status] || d.status);
    });
    cy.on("tap", "edge", function (ev) {
      var e = ev.target;
      info.textContent = e.source().data("label") + " → " + e.target().data("label") + ": " + e.data("label");
    });

    if (controls) {
      controls.hidden = false;
      controls.querySelectorAll(".chain-level-filter").forEach(function (box) {
        box.addEventListener("change", function () {
          var band = Number(box.value);
          cy.batch(function () {
            cy.nodes("[band = " + band + "]")[box.checked ? "removeClass" : "addClass"]("filtered");
          });
        });
      });
      var fit = document.getElementById("chain-fit");
      if (fit) { fit.addEventListener("click", function () { fitView(cy, cy.elements(":visible")); }); }
    }
  }

  /* Fit with a margin, but no closer than MAX_FIT_ZOOM. */
  function fitView(cy, eles) {
    cy.fit(eles, FIT_PADDING);
    if (cy.zoom() > MAX_FIT_ZOOM) {
      cy.zoom(MAX_FIT_ZOOM);
      cy.center(eles);
    }
  }

  /* The cases' labels ("#12") measure READ_PX on screen at the fitted zoom (up to three
     times their size: a 5,000-person cluster shows its shape, not its labels). */
  function sizeCaseLabels(cy, big) {
    var font = Math.min(Math.max(NODE_FONT, READ_PX / cy.zoom()), 3 * NODE_FONT);
    if (font <= NODE_FONT) { return; }
    var sheet = cy.style().selector("node[case > 0]").style("font-size", font);
    if (!big) {
      // A small graph fitted below zoom 1 also gets bigger dots (up to twice; its rings leave room).
      var grow = Math.min(1 / cy.zoom(), 2);
      sheet = sheet.selector("node").style({ "width": 18 * grow, "height": 18 * grow })
        .selector("node[band = 0]").style({ "width": 28 * grow, "height": 28 * grow });
    }
    sheet.update();
  }

  function style(big) {
    return [
      { selector: "node", style: {
        "width": 18, "height": 18, "background-color": "#ffc107", "border-width": 1, "border-color": "#adb5bd",
        "label": "", "font-size": NODE_FONT, "text-valign": "bottom", "text-margin-y": 2,
        "min-zoomed-font-size": LABEL_MIN_PX, "text-background-color": "#fff", "text-background-opacity": 0.7,
        "text-background-padding": 1
      } },
      { selector: "node[case > 0], node.named, node.show-label, node:selected", style: { "label": "data(label)" } },
      { selector: "node[case > 0]", style: { "font-weight": "bold" } },
      { selector: "node.show-label, node:selected", style: { "min-zoomed-font-size": 0, "z-index": 20 } },
      { selector: "node[band = 0]", style: { "background-color": "#dc3545", "width": 28, "height": 28, "font-weight": "bold" } },
      { selector: "node[band = 1]", style: { "background-color": "#fd7e14" } },
      { selector: "node[status = 'case']", style: { "shape": "diamond", "border-width": 3, "border-color": "#212529" } },
      { selector: "node[status = 'closed']", style: { "shape": "diamond", "border-width": 2, "border-color": "#adb5bd" } },
      { selector: "node[status = 'active']", style: { "border-width": 3, "border-color": "#0d6efd" } },
      { selector: "node[status = 'completed']", style: { "border-width": 2, "border-style": "dashed", "border-color": "#6c757d", "opacity": 0.6 } },
      { selector: "node[status = 'became_case']", style: { "shape": "round-rectangle", "border-width": 4, "border-style": "double", "border-color": "#212529" } },
      { selector: "node:selected", style: { "overlay-color": "#0d6efd", "overlay-opacity": 0.25 } },
      { selector: "edge", style: {
        // Haystack edges are Cytoscape's cheapest but draw no arrows: big graphs show the
        // direction by the layout (outward from each case) and on hover or selection.
        "width": 1, "line-color": "#adb5bd", "target-arrow-color": "#adb5bd",
        "target-arrow-shape": big ? "none" : "triangle", "arrow-scale": 0.7, "curve-style": big ? "haystack" : "bezier",
        "label": "", "font-size": EDGE_FONT, "text-rotation": "autorotate",
        "text-wrap": "wrap", "text-max-width": EDGE_LABEL_WIDTH + "px", "color": "#495057",
        "text-background-color": "#fff", "text-background-opacity": 0.85, "min-zoomed-font-size": LABEL_MIN_PX
      } },
      { selector: "edge.labelled", style: { "label": "data(label)" } },
      { selector: "edge[link = 1]", style: { "width": 3, "line-color": "#dc3545", "target-arrow-color": "#dc3545", "target-arrow-shape": "triangle", "curve-style": "straight", "z-index": 5 } },
      { selector: "edge.show-label, edge:selected", style: {
        "label": "data(label)", "min-zoomed-font-size": 0, "line-color": "#495057", "target-arrow-color": "#495057", "z-index": 10,
        "curve-style": big ? "straight" : "bezier", "target-arrow-shape": "triangle", "width": 2
      } },
      { selector: ".filtered", style: { "display": "none" } }
    ];
  }

  /* A linear-time layout for big graphs: every case (F0) is the centre of its own tree,
     each person placed on the ring of their depth inside the wedge of whoever first
     exposed them, wedges sized by how many people hang below; the trees are then packed
     in rows, in the order of the cases. Links between trees are "who infected whom". */
  function treePositions(nodes, edges, SPACING, STEP) {
    var n = nodes.length, i, k;
    var parent = new Int32Array(n).fill(-1);
    edges.forEach(function (e) {
      // Edges come earliest first: the first one into a person is their tree's branch.
      // Only from a lower level, so a branch never loops back.
      if (parent[e[1]] === -1 && nodes[e[0]][2] < nodes[e[1]][2]) { parent[e[1]] = e[0]; }
    });
    var children = new Array(n), weight = new Float64Array(n).fill(1), depth = new Int32Array(n);
    var place = new Int32Array(n);  // position of a node in its tree's breadth-first order
    for (i = 0; i < n; i++) { children[i] = []; }
    var byLevel = [];
    for (i = 0; i < n; i++) { byLevel.push(i); if (parent[i] >= 0) { children[parent[i]].push(i); } }
    byLevel.sort(function (a, b) { return nodes[b][2] - nodes[a][2]; });
    byLevel.forEach(function (v) { if (parent[v] >= 0) { weight[parent[v]] += weight[v]; } });
    var positions = new Array(n), roots = [];
    for (i = 0; i < n; i++) { if (parent[i] < 0) { roots.push(i); } }
    var trees = roots.map(function (root) {
      // Breadth-first: depth of each member, how many on each ring.
      var members = [root], perDepth = [1];
      depth[root] = 0; place[root] = 0;
      for (k = 0; k < members.length; k++) {
        var v = members[k];
        children[v].forEach(function (c) {
          depth[c] = depth[v] + 1;
          perDepth[depth[c]] = (perDepth[depth[c]] || 0) + 1;
          place[c] = members.length;
          members.push(c);
        });
      }
      var radius = [0];
      for (k = 1; k < perDepth.length; k++) {
        radius[k] = Math.max(radius[k - 1] + STEP, perDepth[k] * SPACING / (2 * Math.PI));
      }
      var from = new Float64Array(members.length), span = new Float64Array(members.length);
      from[0] = 0; span[0] = 2 * Math.PI;
      members.forEach(function (v, m) {
        var angle = from[m] + span[m] / 2;
        positions[v] = { x: radius[depth[v]] * Math.cos(angle), y: radius[depth[v]] * Math.sin(angle) };
        var start = from[m], total = weight[v] - 1;
        children[v].forEach(function (c) {
          var idx = place[c];
          from[idx] = start;
          span[idx] = span[m] * weight[c] / total;
          start += span[idx];
        });
      });
      return { members: members, size: 2 * radius[radius.length - 1] + 2 * SPACING };
    });
    // Pack the trees in rows about as wide as the whole is tall.
    var area = trees.reduce(function (sum, t) { return sum + t.size * t.size; }, 0);
    var width = Math.max(Math.sqrt(area) * 1.3, trees.reduce(function (m, t) { return Math.max(m, t.size); }, 0));
    var x = 0, y = 0, rowHeight = 0;
    trees.forEach(function (t) {
      if (x > 0 && x + t.size > width) { x = 0; y += rowHeight; rowHeight = 0; }
      var cx = x + t.size / 2, cy = y + t.size / 2;
      t.members.forEach(function (v) { positions[v].x += cx; positions[v].y += cy; });
      x += t.size; rowHeight = Math.max(rowHeight, t.size);
    });
    return positions;
  }
})();
