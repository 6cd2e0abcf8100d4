// The report's "Print or save as PDF" button; without this file the browser's own Print works
// the same (the button stays hidden).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
