/* A camera QR scanner, shared by venue staff and checkpoints.
 *
 *   var scanner = truyvetScanner.start(videoElement, function (text) { ... }, {interval: 150});
 *   scanner.decoder.then(function (kind) { ... });  // "barcode-detector", "jsqr" or "none"
 *   scanner.stop();
 *
 * It uses the browser's BarcodeDetector where it reads QR codes (Android's Chrome, …). Where
 * it does not, it decodes canvas frames with jsQR, a few times a second to spare the
 * battery; jsQR is then fetched once the camera is on, by a script tag of its own, from the
 * address the page gives on this file's tag:
 *
 *   <script src="…/qrscan.js" data-fallback="{% static 'vendor/jsqr-1.4.0/jsQR.min.js' %}" defer></script>
 *
 * (or options.fallback). A page that loads jsQR itself (window.jsQR) needs neither, and a
 * tablet with a BarcodeDetector never downloads it. The video element gets
 * data-decoder="barcode-detector|jsqr|none" once the camera is on.
 *
 * The same code is reported once per 3 seconds, so holding a card in front of the camera
 * does not check its bearer in twice. onError receives camera failures (no permission, no
 * camera) and a missing decoder (offline before jsQR was ever kept).
 */
(function (global) {
  "use strict";

  var tag = document.currentScript;
  var pageFallback = tag && tag.getAttribute("data-fallback") || "";
  var loading = {};

  /* jsQR, from the page's script tag or fetched once from `url`. */
  function loadJsQR(url) {
    if (typeof global.jsQR === "function") { return Promise.resolve(global.jsQR); }
    if (!url) { return Promise.reject(new Error("no QR decoder")); }
    if (!loading[url]) {
      loading[url] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = url;
        script.async = true;
        script.addEventListener("load", function () {
          if (typeof global.jsQR === "function") { resolve(global.jsQR); } else { reject(new Error("jsQR missing")); }
        });
        script.addEventListener("error", function () {
          delete loading[url];  // offline, say: try again at the next start
          script.remove();
          reject(new Error("could not load " + url));
        });
        document.head.appendChild(script);
      });
    }
    return loading[url];
  }

  /* The browser's own QR reader, or null. */
  function nativeDetector() {
    var Detector = global.BarcodeDetector;
    if (!Detector || typeof Detector.getSupportedFormats !== "function") { return Promise.resolve(null); }
    return Detector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") !== -1 ? new Detector({formats: ["qr_code"]}) : null;
    }).catch(function () { return null; });
  }

  function start(video, onCode, options) {
    options = options || {};
    var interval = options.interval || 150;
    var fallback = options.fallback || pageFallback;
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", {willReadFrequently: true});
    var detector = null;
    var decodeFrame = null;  // jsQR, once loaded
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

    function useJsQR() {
      return loadJsQR(fallback).then(function (jsQR) { decodeFrame = jsQR; return "jsqr"; }, function () { return "none"; });
    }

    function decodeWithJsQR() {
      var width = video.videoWidth, height = video.videoHeight;
      if (!width || !height || !decodeFrame) { return Promise.resolve(null); }
      var scale = Math.min(1, 800 / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = decodeFrame(pixels.data, pixels.width, pixels.height, {inversionAttempts: "dontInvert"});
      return Promise.resolve(found ? found.data : null);
    }

    function decode() {
      if (detector) {
        return detector.detect(video).then(function (codes) {
          return codes.length ? codes[0].rawValue : null;
        }, function () {
          // The reader failed on this device after all: jsQR from now on.
          detector = null;
          useJsQR().then(function (kind) { video.setAttribute("data-decoder", kind); });
          return null;
        });
      }
      return decodeWithJsQR();
    }

    function tick() {
      if (stopped) { return; }
      decode().then(function (text) {
        if (text && !stopped) { report(text); }
        timer = setTimeout(tick, interval);
      });
    }

    var reader = nativeDetector();
    var camera = reader.then(function () {
      return navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false});
    }).then(function (media) {
      stream = media;
      if (stopped) { media.getTracks().forEach(function (track) { track.stop(); }); return; }
      video.srcObject = media;
      video.setAttribute("playsinline", "");
      return video.play();
    });
    // Only once the camera is on is the fallback worth its download.
    var decoder = camera.then(function () {
      return reader.then(function (found) {
        detector = found;
        return found ? "barcode-detector" : useJsQR();
      });
    }).then(function (kind) {
      if (kind === "none") { throw new Error("no QR decoder"); }  // a camera that reads nothing is no use
      return kind;
    }).catch(function (error) {
      if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
      if (options.onError && !stopped) { options.onError(error); }
      return "none";
    });
    decoder.then(function (kind) {
      video.setAttribute("data-decoder", kind);
      if (kind !== "none") { tick(); }
    });

    return {
      decoder: decoder,
      fallback: fallback,
      stop: function () {
        stopped = true;
        clearTimeout(timer);
        if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
      }
    };
  }

  global.truyvetScanner = {start: start};
})(window);
