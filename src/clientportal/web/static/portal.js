// clientportal: small progressive enhancements. Every page works without this script.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form.decide");
    Array.prototype.forEach.call(forms, function (form) {
      var all = form.querySelector("[data-select-all]");
      var boxes = form.querySelectorAll("[data-entry]");
      if (!all) { return; }
      // "Select all" ticks every entry; unticking one entry unticks "select all" again.
      all.addEventListener("change", function () {
        Array.prototype.forEach.call(boxes, function (box) { box.checked = all.checked; });
      });
      Array.prototype.forEach.call(boxes, function (box) {
        box.addEventListener("change", function () {
          if (!box.checked) { all.checked = false; }
        });
      });
    });
    // Approvals rows: opening a Reject puts the cursor in its reason field.
    var rejects = document.querySelectorAll("details.reject-row, details.reject-selected");
    Array.prototype.forEach.call(rejects, function (details) {
      details.addEventListener("toggle", function () {
        var field = details.querySelector("textarea");
        if (details.open && field) { field.focus(); }
      });
    });
  });
})();
