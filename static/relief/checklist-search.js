/* A search box above a long list of checkboxes (the communes of a volunteer's area): typing
   hides the ones whose name does not match, accents and case aside. Ticked ones stay. */
(function () {
  "use strict";
  function plain(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d").toLowerCase();
  }
  document.querySelectorAll(".checklist-search").forEach(function (search) {
    var list = document.getElementById(search.dataset.list);
    if (!list) { return; }
    search.hidden = false;
    search.addEventListener("input", function () {
      var needle = plain(search.value.trim());
      list.querySelectorAll(".form-check").forEach(function (row) {
        var input = row.querySelector("input");
        row.hidden = needle !== "" && !(input && input.checked) && plain(row.textContent).indexOf(needle) === -1;
      });
    });
  });
})();
