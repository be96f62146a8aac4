/* Progressive enhancement of the ward pickers: with JavaScript, changing the province
   loads its communes from /api/v1/wards/ and a search box filters them. Without it, the
   "Show this province's communes" button reloads the form. */
(function () {
  "use strict";
  document.querySelectorAll(".no-js-only").forEach(function (el) { el.hidden = true; });
  document.querySelectorAll(".ward-picker").forEach(function (picker) {
    var province = document.getElementById(picker.dataset.province);
    var ward = document.getElementById(picker.dataset.ward);
    if (!province || !ward) { return; }
    var search = document.createElement("input");
    search.type = "search";
    search.className = "form-control form-control-sm mb-1";
    search.placeholder = document.documentElement.lang === "en" ? "Search communes" : "Tìm xã, phường";
    search.setAttribute("aria-label", search.placeholder);
    ward.parentNode.insertBefore(search, ward);
    var all = [];
    function remember() {
      all = Array.prototype.map.call(ward.options, function (o) { return [o.value, o.text]; });
    }
    function show(filter) {
      var keep = ward.value;
      var needle = filter.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d").toLowerCase();
      ward.innerHTML = "";
      all.forEach(function (pair) {
        var plain = pair[1].normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d").toLowerCase();
        if (!pair[0] || plain.indexOf(needle) !== -1) {
          var option = new Option(pair[1], pair[0]);
          option.selected = pair[0] === keep;
          ward.add(option);
        }
      });
    }
    remember();
    var placeholder = all.filter(function (pair) { return !pair[0]; })[0] || ["", "—"];
    search.addEventListener("input", function () { show(search.value); });
    province.addEventListener("change", function () {
      if (!province.value) { return; }
      fetch("/api/v1/wards/?province=" + encodeURIComponent(province.value))
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (wards) {
          all = [placeholder].concat(wards.map(function (w) { return [String(w.code), w.name]; }));
          search.value = "";
          show("");
        });
    });
  });
})();
