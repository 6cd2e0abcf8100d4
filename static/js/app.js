// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }

  // Signup: fill the hidden time-zone field from the browser, so "today" is the patient's today.
  document.querySelectorAll("input[data-browser-timezone]").forEach(function (input) {
    if (!input.value && zone) { input.value = zone; }
  });

  // Settings: offer the device's zone when it differs from the saved one.
  var hint = document.querySelector("[data-timezone-hint]");
  if (hint && zone) {
    var button = hint.querySelector("[data-use-browser-timezone]");
    var select = document.getElementById(button.getAttribute("data-use-browser-timezone"));
    if (select && select.value !== zone) {
      hint.querySelector("[data-timezone-name]").textContent = zone;
      hint.hidden = false;
      button.addEventListener("click", function () { select.value = zone; hint.hidden = true; select.focus(); });
    }
  }
})();
