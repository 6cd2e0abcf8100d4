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

  // Mood: the eleven buttons become one slider in one row, its track coloured from lowest to
  // best. It starts with no value (no thumb), so an untouched slider never saves a made-up 5:
  // Save without a choice gets the form's "please choose" message. The buttons stay in the
  // form, hidden, and carry the value; moving the slider (touch, mouse, arrow keys) picks one.
  var picker = document.querySelector("[data-mood-picker]");
  var range = picker && picker.querySelector("[data-mood-range]");
  if (picker && range) {
    var radios = Array.prototype.slice.call(picker.querySelectorAll("input[type=radio]"));
    var value = picker.querySelector("[data-mood-value]");
    var hint = picker.querySelector("[data-mood-hint]");
    var words = { 0: "lowest", 5: "okay", 10: "best" };
    function checked() {
      for (var i = 0; i < radios.length; i++) { if (radios[i].checked) { return radios[i]; } }
      return null;
    }
    function showMood() {
      var radio = checked();
      range.classList.toggle("unset", !radio);
      if (radio) {
        range.value = radio.value;
        value.textContent = radio.value;
        hint.textContent = words[radio.value] ? words[radio.value] : "out of 10";
        range.setAttribute("aria-valuetext", radio.value + " out of 10" + (words[radio.value] ? ", " + words[radio.value] : ""));
      } else {
        value.textContent = "–";
        range.setAttribute("aria-valuetext", "not chosen yet");
      }
    }
    function pick() {
      radios.forEach(function (radio) {
        var on = radio.value === range.value;
        if (radio.checked !== on) { radio.checked = on; }
      });
      var radio = checked();
      if (radio) { radio.dispatchEvent(new Event("change", { bubbles: true })); }
      showMood();
    }
    range.addEventListener("input", pick);
    // A tap is a choice of the number under the finger: some touch screens move the slider
    // only on a drag, and a tap on the hidden starting value changes nothing (no "input").
    // The thumb's width (journal.css) is where the line's ends sit.
    range.addEventListener("click", function (event) {
      if (event.detail > 0 && typeof event.clientX === "number") {
        var box = range.getBoundingClientRect();
        var thumb = 40;
        var share = (event.clientX - box.left - thumb / 2) / Math.max(box.width - thumb, 1);
        range.value = String(Math.round(Math.min(Math.max(share, 0), 1) * 10));
      }
      pick();
    });
    // A kept draft (static/js/drafts.js) or the browser restoring the form sets the buttons.
    radios.forEach(function (radio) { radio.addEventListener("change", showMood); });
    picker.querySelector("[data-mood-slider]").hidden = false;
    picker.classList.add("enhanced");
    showMood();
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
