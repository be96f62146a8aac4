/* The checkpoint monitoring board keeps itself current: every few seconds (data-every) it
   fetches the board's JSON (data-source) and puts the new figures in place: today's counts,
   who is on duty, the tablets, the per-hour chart and table, the flagged travellers.
   Everything is written with textContent and DOM nodes (no HTML strings, no inline code),
   so the strict CSP holds. Without JavaScript the page's Refresh link does the same. */
(function () {
  "use strict";
  var root = document.getElementById("checkpoint-monitor");
  if (!root || !window.fetch) { return; }
  var SVG = "http://www.w3.org/2000/svg";
  var SLOT = 10, TOP = 4, HEIGHT = 50;  // as checkpoints/views/monitor.py draws it
  var every = Math.max(5, parseInt(root.dataset.every || "20", 10)) * 1000;
  var label = function (key) { return root.dataset["label" + key] || ""; };
  var timer = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function field(scope, name) { return scope.querySelector('[data-field="' + name + '"]'); }

  function setText(scope, name, value) {
    var node = field(scope, name);
    if (node && node.textContent !== String(value)) { node.textContent = String(value); }
  }

  function replaceChildren(node, children) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
    children.forEach(function (child) { node.appendChild(child); });
  }

  function tabletItem(t) {
    var li = el("li");
    li.appendChild(el("span", "badge " + (t.offline ? "text-bg-danger" : "text-bg-success"),
      t.offline ? label("Offline") : label("Online")));
    var text = " " + t.label + (t.user ? " · " + t.user : "") + " · " + label("LastSync") + " " +
      (t.last_sync || label("Never"));
    li.appendChild(document.createTextNode(text));
    if (t.pending) {
      li.appendChild(document.createTextNode(" · "));
      li.appendChild(el("strong", "", t.pending));
      li.appendChild(document.createTextNode(" " + label("Pending")));
    }
    return li;
  }

  function svgNode(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function drawChart(svg, hours) {
    var peak = 1;
    hours.forEach(function (h) { peak = Math.max(peak, h.in, h.out); });
    var groups = hours.map(function (h, i) {
      var g = svgNode("g", {});
      var hIn = Math.round(h.in * HEIGHT / peak), hOut = Math.round(h.out * HEIGHT / peak);
      g.appendChild(svgNode("title", {}, h.label + ":00: " + h.in + " " + label("Entering") + ", " +
        h.out + " " + label("Leaving")));
      g.appendChild(svgNode("rect", {x: i * SLOT + 1, y: TOP + HEIGHT - hIn, width: 4, height: hIn,
        fill: root.dataset.colourIn}));
      g.appendChild(svgNode("rect", {x: i * SLOT + 5, y: TOP + HEIGHT - hOut, width: 4, height: hOut,
        fill: root.dataset.colourOut}));
      if (i % 6 === 0) {
        g.appendChild(svgNode("text", {x: i * SLOT, y: TOP + HEIGHT + 10, "font-size": 8, fill: "#6c757d"},
          h.label + "h"));
      }
      return g;
    });
    replaceChildren(svg, groups);
  }

  function hourRows(hours) {
    return hours.map(function (h) {
      var tr = el("tr");
      var when = new Date(h.hour);
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      tr.appendChild(el("td", "", h.label + ":00 " + pad(when.getDate()) + "/" + pad(when.getMonth() + 1)));
      tr.appendChild(el("td", "text-end", h.in));
      tr.appendChild(el("td", "text-end", h.out));
      return tr;
    });
  }

  function flaggedRow(f) {
    var tr = el("tr");
    tr.appendChild(el("td", "text-nowrap small", f.when));
    tr.appendChild(el("td", "small", f.checkpoint));
    tr.appendChild(el("td", "", f.traveller));
    var verdict = el("td");
    verdict.appendChild(el("span", "badge verdict-" + f.verdict,
      f.verdict_label));
    verdict.appendChild(document.createTextNode(" "));
    verdict.appendChild(el("span", "small text-muted", f.direction_label));
    tr.appendChild(verdict);
    tr.appendChild(el("td", "small", f.reasons.join(", ")));
    tr.appendChild(el("td", "small", f.destination || "—"));
    var link = el("a", "", label("Details"));
    link.href = f.url;
    var cell = el("td");
    cell.appendChild(link);
    tr.appendChild(cell);
    return tr;
  }

  function update(data) {
    data.checkpoints.forEach(function (cp) {
      var card = root.querySelector('[data-checkpoint="' + cp.id + '"]');
      if (!card) { return; }  // a checkpoint added since the page loaded: the Refresh link shows it
      setText(card, "entering", cp.entering);
      setText(card, "leaving", cp.leaving);
      setText(card, "flagged", cp.flagged);
      setText(card, "on_duty", cp.on_duty.length ? cp.on_duty.join(", ") : label("Nobody"));
      var tablets = field(card, "tablets");
      if (tablets) {
        replaceChildren(tablets, cp.tablets.length ? cp.tablets.map(tabletItem)
          : [el("li", "text-muted", label("NoTablet"))]);
      }
      var chart = field(card, "chart");
      if (chart) { drawChart(chart, cp.hours); }
      var hours = field(card, "hours");
      if (hours) { replaceChildren(hours, hourRows(cp.hours)); }
    });
    var flagged = field(root, "flagged-list");
    if (flagged) {
      if (data.flagged.length) {
        replaceChildren(flagged, data.flagged.map(flaggedRow));
      } else {
        var empty = el("td", "text-muted", label("NoFlagged"));
        empty.colSpan = 7;
        var tr = el("tr");
        tr.appendChild(empty);
        replaceChildren(flagged, [tr]);
      }
    }
    setText(root, "generated", data.generated);
    setText(root, "stale", "");
    root.dataset.updatedAt = data.generated_at;
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, every);
  }

  function poll() {
    if (document.hidden) { schedule(); return; }  // no polling from a background tab
    fetch(root.dataset.source, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(update)
      .catch(function () { setText(root, "stale", label("Stale")); })
      .then(schedule);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { poll(); }
  });
  schedule();
})();
