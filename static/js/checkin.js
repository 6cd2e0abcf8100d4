// Check-in sliders and the print button. Progressive enhancement: without this file every scale
// still works (untick "Not answered" and move the slider), and the number shows after saving.
(function () {
  "use strict";

  document.querySelectorAll("[data-scale-group]").forEach(function (group) {
    var slider = group.querySelector("input[type=range]");
    var skip = group.querySelector("input[data-skip-for]");
    var out = group.querySelector("output");
    if (!slider || !skip || !out) { return; }

    function show() {
      out.textContent = skip.checked ? "–" : slider.value;
      group.classList.toggle("skipped", skip.checked);
      slider.setAttribute("aria-valuetext", skip.checked ? "not answered" : slider.value + " out of 10");
    }
    // Moving the slider (by touch, mouse or arrow keys) is an answer: untick "Not answered".
    slider.addEventListener("input", function () { skip.checked = false; show(); });
    skip.addEventListener("change", show);
    show();
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
