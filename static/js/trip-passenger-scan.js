/* Bus trip pages, as progressive enhancement (each page works without it):
 * - #trip-scan: the operator scans passengers' personal QR codes with the camera; each code
 *   is posted (JSON) and the passenger appears under "Added on this page". The paste form
 *   posts the same way, or as a plain form without JavaScript.
 * - #trip-code-form: checkpoint staff scan a trip's QR code instead of typing it.
 * - [data-print]: a print button on the printable sheet.
 */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function operatorScan(root) {
    var form = document.getElementById("trip-scan-form");
    var token = document.getElementById("id_qr_token");
    var seat = document.getElementById("id_seat");
    var result = document.getElementById("trip-scan-result");
    var added = document.getElementById("trip-scan-added");
    var video = document.getElementById("trip-scan-video");
    var busy = false;

    function show(ok, text) {
      result.className = "rounded p-3 mb-3 fs-5 fw-bold text-center " + (ok ? "text-bg-success" : "text-bg-danger");
      result.textContent = text;
      result.hidden = false;
      clearTimeout(show.timer);
      show.timer = setTimeout(function () { result.hidden = true; }, 4000);
    }

    function submit(code) {
      code = (code || "").trim();
      if (busy || !code) { return; }
      busy = true;
      fetch(root.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken(form)},
        body: JSON.stringify({qr_token: code, seat: seat ? seat.value : ""})
      }).then(function (response) {
        return response.json().catch(function () { return {ok: false, detail: root.dataset.offline}; });
      }).then(function (body) {
        show(body.ok, body.detail);
        if (body.ok && body.created) {
          var item = document.createElement("li");
          item.textContent = body.name + (seat && seat.value ? " · " + seat.value : "");
          added.appendChild(item);
          if (seat) { seat.value = ""; }
        }
      }, function () {
        show(false, root.dataset.offline);
      }).then(function () { busy = false; });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit(token.value);
      token.value = "";
    });
    if (window.truyvetScanner && navigator.mediaDevices) {
      video.hidden = false;
      window.truyvetScanner.start(video, submit, {
        onError: function () { video.hidden = true; show(false, root.dataset.nocamera); }
      });
    }
  }

  function tripCodeScan(form) {
    var button = document.getElementById("trip-code-camera");
    var video = document.getElementById("trip-code-video");
    var input = form.querySelector("input[name=code]");
    if (!button || !video || !input || !window.truyvetScanner || !navigator.mediaDevices) { return; }
    var scanner = null;
    button.hidden = false;
    button.addEventListener("click", function () {
      if (scanner) { return; }
      video.hidden = false;
      scanner = window.truyvetScanner.start(video, function (text) {
        scanner.stop();
        input.value = text.trim();
        form.submit();
      }, {onError: function () { video.hidden = true; button.hidden = true; scanner = null; }});
    });
  }

  var scan = document.getElementById("trip-scan");
  if (scan) { operatorScan(scan); }
  var codeForm = document.getElementById("trip-code-form");
  if (codeForm) { tripCodeScan(codeForm); }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
