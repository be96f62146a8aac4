/* The site's day list: the camera fills the scan form and sends it; the observation
 * badges count down to zero. */
(function () {
  "use strict";
  var button = document.getElementById("vacc-camera");
  var video = document.getElementById("vacc-video");
  var form = document.getElementById("vacc-scan");
  if (button && video && form) {
    var scanner = null;
    button.addEventListener("click", function () {
      if (scanner) { scanner.stop(); scanner = null; video.hidden = true; return; }
      video.hidden = false;
      scanner = truyvetScanner.start(video, function (text) {
        form.querySelector("input[name=code]").value = text;
        scanner.stop();
        form.submit();
      }, {onError: function () { video.hidden = true; }});
    });
  }
  var badges = document.querySelectorAll("#vacc-observed [data-seconds]");
  var started = Date.now();
  function tick() {
    badges.forEach(function (badge) {
      var left = Math.max(0, Number(badge.getAttribute("data-seconds")) - Math.round((Date.now() - started) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      badge.textContent = left > 0 ? m + ":" + (s < 10 ? "0" : "") + s : "✓";
      badge.className = "badge " + (left > 0 ? "text-bg-warning" : "text-bg-success");
    });
  }
  if (badges.length) { tick(); setInterval(tick, 1000); }
})();
