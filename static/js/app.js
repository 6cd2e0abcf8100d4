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

// Crisis lines by country: suggest one from the browser's time zone, else its language
// ("en-GB"), when it differs from the lines shown. The list of zones comes from the page.
(function () {
  "use strict";
  var data = document.getElementById("region-hints");
  var hint = document.querySelector("[data-region-suggest]");
  var select = document.querySelector("[data-region-select]");
  if (!data || !hint || !select) { return; }
  var hints = JSON.parse(data.textContent);
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  function fromZone() {
    for (var code in hints.zones) {
      var zones = hints.zones[code];
      for (var i = 0; i < zones.length; i++) {
        var z = zones[i];
        if (zone === z || (z.charAt(z.length - 1) === "/" && zone.indexOf(z) === 0)) { return code; }
      }
    }
    return "";
  }
  function fromLanguage() {
    var languages = navigator.languages || [navigator.language || ""];
    for (var i = 0; i < languages.length; i++) {
      var parts = String(languages[i]).split("-");
      var region = parts.length > 1 ? parts[parts.length - 1].toUpperCase() : "";
      if (region === "UK") { region = "GB"; }
      if (hints.names[region] && region !== "ZZ") { return region; }
    }
    return "";
  }
  var code = fromZone() || fromLanguage();
  if (!code || code === hint.getAttribute("data-current")) { return; }
  hint.querySelector("[data-region-name]").textContent = hints.names[code];
  hint.hidden = false;
  hint.querySelector("[data-region-use]").addEventListener("click", function () {
    select.value = code;
    hint.hidden = true;
    // On the help page the lines change at once; in Settings the choice waits for "Save".
    if (hint.hasAttribute("data-fill-only")) { select.focus(); } else { select.form.submit(); }
  });
})();
