// The import's progress bar: asks how far along it is every second, and shows the result page
// when it is done. Without this file the page refreshes itself (a <noscript> refresh).
(function () {
  "use strict";
  var bar = document.querySelector("progress[data-status-url]");
  if (!bar) { return; }
  var text = document.querySelector("[data-progress-text]");
  function check() {
    fetch(bar.getAttribute("data-status-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        bar.max = state.total || 1;
        bar.value = state.done;
        bar.textContent = state.percent + "%";
        if (text) { text.textContent = state.done + " of " + state.total + " days"; }
        if (state.status === "queued") { window.setTimeout(check, 1000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(check, 3000); });
  }
  window.setTimeout(check, 1000);
})();
