/* A camera QR scanner, shared by venue staff and checkpoints.
 *
 *   var scanner = truyvetScanner.start(videoElement, function (text) { ... }, {interval: 150});
 *   scanner.stop();
 *
 * It uses the browser's BarcodeDetector when it reads QR codes, else jsQR (vendored in
 * static/vendor/jsqr-1.4.0) on canvas frames, a few times a second to spare the battery.
 * The same code is reported once per 3 seconds, so holding a card in front of the camera
 * does not check its bearer in twice. onError receives camera failures (no permission).
 */
(function (global) {
  "use strict";

  function start(video, onCode, options) {
    options = options || {};
    var interval = options.interval || 150;
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", {willReadFrequently: true});
    var detector = null;
    var stream = null;
    var timer = null;
    var stopped = false;
    var last = {text: "", at: 0};

    function report(text) {
      var now = Date.now();
      if (text === last.text && now - last.at < 3000) { return; }
      last = {text: text, at: now};
      onCode(text);
    }

    function decodeWithJsQR() {
      var width = video.videoWidth, height = video.videoHeight;
      if (!width || !height || typeof global.jsQR !== "function") { return Promise.resolve(null); }
      var scale = Math.min(1, 800 / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = global.jsQR(pixels.data, pixels.width, pixels.height, {inversionAttempts: "dontInvert"});
      return Promise.resolve(found ? found.data : null);
    }

    function decode() {
      if (detector) {
        return detector.detect(video).then(function (codes) {
          return codes.length ? codes[0].rawValue : null;
        }, function () { detector = null; return decodeWithJsQR(); });
      }
      return decodeWithJsQR();
    }

    function tick() {
      if (stopped) { return; }
      decode().then(function (text) {
        if (text) { report(text); }
        timer = setTimeout(tick, interval);
      });
    }

    var ready = ("BarcodeDetector" in global && global.BarcodeDetector.getSupportedFormats)
      ? global.BarcodeDetector.getSupportedFormats().then(function (formats) {
          if (formats.indexOf("qr_code") !== -1) { detector = new global.BarcodeDetector({formats: ["qr_code"]}); }
        }, function () {})
      : Promise.resolve();

    ready.then(function () {
      return navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false});
    }).then(function (media) {
      stream = media;
      video.srcObject = media;
      video.setAttribute("playsinline", "");
      return video.play();
    }).then(tick, function (error) {
      if (options.onError) { options.onError(error); }
    });

    return {
      stop: function () {
        stopped = true;
        clearTimeout(timer);
        if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
      }
    };
  }

  global.truyvetScanner = {start: start};
})(window);
