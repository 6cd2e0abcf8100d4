// A warning before the idle timeout (accounts/middleware.RefreshSessionExpiryMiddleware):
// shortly before a quiet session would end, a dialog says so and offers to stay signed in.
// The button is focused when the dialog opens (keyboard and screen readers land on it), Escape
// closes it, and staying is a POST to the server (the same form works without this script).
// If the time runs out, the dialog says so: what was being written is kept (static/js/drafts.js).
// Only on signed-in pages of sessions that have an idle timeout (not a trusted device).
(function () {
  "use strict";
  var dialog = document.getElementById("idle-warning");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var lifetime = parseInt(dialog.getAttribute("data-idle-seconds"), 10) * 1000;
  var lead = parseInt(dialog.getAttribute("data-warn-seconds"), 10) * 1000;
  if (!(lifetime > 0) || !(lead > 0)) { return; }
  var form = dialog.querySelector("form");
  var stay = dialog.querySelector("[data-stay]");
  var message = dialog.querySelector("[data-idle-message]");
  var gone = dialog.querySelector("[data-idle-ended]");
  var warnTimer = null;
  var endTimer = null;

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(warn, Math.max(lifetime - lead, 0));
    endTimer = setTimeout(ended, lifetime);
  }
  function warn() {
    if (!dialog.open) { dialog.showModal(); }
    stay.focus();
  }
  function ended() {
    message.hidden = true;
    form.hidden = true;
    gone.hidden = false;
    if (!dialog.open) { dialog.showModal(); }
    var link = gone.querySelector("a");
    if (link) { link.focus(); }
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    stay.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    }).then(function (response) {
      stay.disabled = false;
      if (response.status === 204) {
        dialog.close();
        schedule();
      } else {
        ended();
      }
    }).catch(function () {
      // Offline: the server could not be told. Say nothing new; the session may still end.
      stay.disabled = false;
      dialog.close();
    });
  });
  schedule();
})();
