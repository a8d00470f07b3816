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

  // A table wider than its box scrolls inside it; say so, and how many columns are in view.
  var wraps = Array.prototype.slice.call(document.querySelectorAll(".tablewrap"));
  function hint(wrap) {
    var note = wrap.nextElementSibling;
    if (!note || !note.classList.contains("scrollhint")) {
      note = document.createElement("p");
      note.className = "scrollhint";
      wrap.parentNode.insertBefore(note, wrap.nextSibling);
    }
    return note;
  }
  function measure(wrap) {
    var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
    wrap.classList.toggle("scrolls", scrolls);
    var note = wrap.nextElementSibling;
    if (!scrolls) {
      if (note && note.classList.contains("scrollhint")) { note.remove(); }
      return;
    }
    var box = wrap.getBoundingClientRect();
    var cells = Array.prototype.slice.call(wrap.querySelectorAll("thead th"));
    var seen = cells.filter(function (th) {
      var r = th.getBoundingClientRect();
      return r.left >= box.left - 1 && r.right <= box.right + 1;
    }).length;
    hint(wrap).textContent = seen + " of " + cells.length +
      " columns in view: scroll the table sideways for the others (the first column stays).";
  }
  wraps.forEach(function (w) {
    measure(w);
    w.addEventListener("scroll", function () { measure(w); }, { passive: true });
  });
  window.addEventListener("resize", function () { wraps.forEach(measure); });
  document.documentElement.setAttribute("data-browser-ready", "1");
})();
