/* A print button: any [data-print] element prints the page. Hidden until this script runs,
 * so a browser without scripts shows no button that does nothing. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
