(function () {
  "use strict";
  var keys = ["run", "correct", "bin"];
  var selects = keys.map(function (k) { return document.getElementById("f-" + k); });
  var items = Array.prototype.slice.call(document.querySelectorAll("details.example"));
  var counter = document.getElementById("f-count");
  function apply() {
    var shown = 0;
    items.forEach(function (el) {
      var ok = selects.every(function (s, i) {
        return !s || !s.value || el.getAttribute("data-" + keys[i]) === s.value;
      });
      el.hidden = !ok;
      if (ok) { shown += 1; }
    });
    if (counter) { counter.textContent = shown + " of " + items.length + " responses shown"; }
  }
  selects.forEach(function (s) { if (s) { s.addEventListener("change", apply); } });
  apply();
  document.documentElement.setAttribute("data-browser-ready", "1");
})();
