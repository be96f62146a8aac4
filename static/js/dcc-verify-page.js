/* The /verify/ page: read a DCC QR (camera, photo or pasted text) and check it offline
 * against the trust list the page carries (kept in localStorage, refreshed when online). */
(function () {
  "use strict";
  var root = document.getElementById("dcc-verify");
  if (!root) { return; }
  var KEY = "truyvet.dcc.trustlist";
  var T = JSON.parse(document.getElementById("dcc-words").textContent);
  var products = JSON.parse(document.getElementById("dcc-products").textContent);
  var trust = JSON.parse(document.getElementById("dcc-trust").textContent);
  try {
    var kept = JSON.parse(localStorage.getItem(KEY) || "null");
    if (kept && kept.length) {
      var known = {};
      trust.forEach(function (t) { known[t.kid] = true; });
      kept.forEach(function (t) { if (!known[t.kid]) { trust.push(t); } });
    }
    localStorage.setItem(KEY, JSON.stringify(trust));
  } catch (e) { /* private mode: the page's list is enough */ }
  if (navigator.onLine) {
    fetch(root.getAttribute("data-trustlist"), {credentials: "omit"}).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && body.certificates) {
          trust = body.certificates;
          try { localStorage.setItem(KEY, JSON.stringify(trust)); } catch (e) { /* ignore */ }
        }
      }).catch(function () { /* offline: keep the cached list */ });
  }

  var result = document.getElementById("dcc-result");

  function show(ok, lines) {
    result.hidden = false;
    result.className = "alert text-break " + (ok ? "alert-success" : "alert-danger");
    result.replaceChildren();
    lines.forEach(function (line, i) {
      var p = document.createElement(i === 0 ? "strong" : "div");
      p.textContent = line;
      result.appendChild(p);
    });
    result.setAttribute("data-outcome", ok ? "valid" : "invalid");
  }

  function day(seconds) { return new Date(seconds * 1000).toISOString().slice(0, 10); }

  function check(text) {
    truyvetDcc.verify(text, trust, Date.now()).then(function (r) {
      var h = r.hcert, nam = h.nam || {}, lines = [T.valid];
      lines.push(T.name + ": " + [nam.fn, nam.gn].filter(Boolean).join(" ") + " (" + [nam.fnt, nam.gnt].filter(Boolean).join(" ") + ")");
      lines.push(T.dob + ": " + (h.dob || "—"));
      (h.v || []).forEach(function (v) {
        lines.push(T.dose.replace("{dn}", v.dn).replace("{sd}", v.sd) + " · " + (products[v.mp] || v.mp) + " · " + v.dt);
        lines.push(T.uvci + ": " + v.ci);
      });
      if (r.exp) { lines.push(T.until + ": " + day(r.exp)); }
      show(true, lines);
    }).catch(function (e) {
      show(false, [T.invalid, T.reasons[e.code] || T.reasons.bad_cose]);
    });
  }

  document.getElementById("dcc-form").addEventListener("submit", function (event) {
    event.preventDefault();
    check(document.getElementById("dcc-text").value);
  });

  document.getElementById("dcc-photo").addEventListener("change", function (event) {
    var file = event.target.files && event.target.files[0];
    if (!file) { return; }
    var image = new Image();
    image.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
      var context = canvas.getContext("2d");
      context.drawImage(image, 0, 0);
      var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = typeof jsQR === "function" ? jsQR(pixels.data, canvas.width, canvas.height) : null;
      if (code && code.data) { check(code.data); } else { show(false, [T.invalid, T.noqr]); }
      URL.revokeObjectURL(image.src);
    };
    image.src = URL.createObjectURL(file);
  });

  var video = document.getElementById("dcc-video");
  var scanner = null;
  document.getElementById("dcc-camera").addEventListener("click", function () {
    if (scanner) { scanner.stop(); scanner = null; video.hidden = true; return; }
    video.hidden = false;
    scanner = truyvetScanner.start(video, function (text) { check(text); }, {
      onError: function () { show(false, [T.nocamera]); }
    });
  });
})();
