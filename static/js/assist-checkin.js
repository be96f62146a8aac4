/* Assisted check-in: venue staff scan a visitor's personal QR (card or phone). */
(function () {
  "use strict";
  var root = document.getElementById("assist");
  if (!root) { return; }
  var result = document.getElementById("assist-result");
  var typed = document.getElementById("assist-token");
  var busy = false;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function uuid4() {
    if (crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function show(ok, text) {
    result.className = "assist-result rounded p-3 mb-3 fs-4 fw-bold text-center " + (ok ? "text-bg-success" : "text-bg-danger");
    result.textContent = text;
    result.hidden = false;
    clearTimeout(show.timer);
    show.timer = setTimeout(function () { result.hidden = true; }, 3000);
  }

  function submit(token) {
    if (busy || !token) { return; }
    busy = true;
    fetch(root.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify({qr_token: token.trim(), client_id: uuid4()})
    }).then(function (response) {
      return response.json().catch(function () { return {ok: false, detail: root.dataset.offline}; });
    }).then(function (body) {
      show(body.ok, !body.ok ? body.detail : (body.already_here ? root.dataset.here : root.dataset.done) + " " + body.name);
    }, function () {
      show(false, root.dataset.offline);
    }).then(function () { busy = false; });
  }

  document.getElementById("assist-form").addEventListener("submit", function (event) {
    event.preventDefault();
    submit(typed.value);
    typed.value = "";
  });
  window.truyvetScanner.start(document.getElementById("assist-video"), submit, {
    onError: function () { show(false, root.dataset.nocamera); }
  });
})();
