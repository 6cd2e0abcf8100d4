// Settings: turn notifications on or off for this device (Web Push). Reminders chosen "by
// notification" reach every device turned on here; the server forgets a device when it is
// turned off, when its push service says it is gone, or on signing out here (offline.js).
(function () {
  "use strict";
  var box = document.querySelector("[data-push]");
  if (!box) { return; }
  var status = box.querySelector("[data-push-status]");
  var on = box.querySelector("[data-push-on]");
  var off = box.querySelector("[data-push-off]");

  function say(text) { status.textContent = text; }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("This browser can't show notifications from Tideline. Reminders still come by email if you chose them.");
    return;
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) { throw new Error("status " + response.status); }
      return response;
    });
  }

  function show(subscribed) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    if (Notification.permission === "denied") {
      say("Notifications are blocked for Tideline in this browser's settings. Allow them there, then come back.");
      on.hidden = true;
    } else {
      say(subscribed ? "Notifications are on for this device." : "Notifications are off for this device.");
    }
  }

  function registration() {
    return navigator.serviceWorker.register(box.getAttribute("data-sw") || "/sw.js", { scope: "/" })
      .then(function () { return navigator.serviceWorker.ready; });
  }

  on.addEventListener("click", function () {
    say("Asking this browser…");
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { show(false); return null; }
      return registration().then(function (reg) {
        return reg.pushManager.getSubscription().then(function (existing) {
          return existing || reg.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: keyBytes(box.getAttribute("data-push-key"))
          });
        });
      }).then(function (subscription) {
        return post(box.getAttribute("data-push-subscribe"), subscription.toJSON()).then(function () { show(true); });
      });
    }).catch(function () {
      say("Notifications could not be turned on here just now. Please try again later.");
    });
  });

  off.addEventListener("click", function () {
    registration().then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (subscription) {
      if (!subscription) { show(false); return null; }
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return post(box.getAttribute("data-push-unsubscribe"), { endpoint: endpoint });
      }).then(function () { show(false); });
    }).catch(function () {
      say("Notifications could not be turned off here just now. Please try again.");
    });
  });

  registration().then(function (reg) { return reg.pushManager.getSubscription(); })
    .then(function (subscription) { show(Boolean(subscription)); })
    .catch(function () { show(false); });
})();
