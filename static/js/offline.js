// The installable app, on every page. Progressive enhancement: without it every page works
// online as before.
// - Registers the service worker (/sw.js), which keeps the app shell for offline use.
// - Check-ins saved while offline wait in this browser (IndexedDB, one per day) and are sent
//   when the network is back, as ordinary posts of the check-in form (CSRF token and the
//   stale-tab version included), one at a time, each removed once the server has it.
// - Signing out first sends what is waiting, then clears everything the site stored here.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var attr = function (name) { return script.getAttribute(name) || ""; };
  var DB = "tideline";
  var STORE = "checkins";
  var LOCK = "tideline-checkin-queue";

  // Signed in only: after signing out, nothing comes back until someone signs in again.
  var signedIn = Boolean(attr("data-sw"));
  if ("serviceWorker" in navigator && window.isSecureContext && signedIn) {
    navigator.serviceWorker.register(attr("data-sw"), { scope: "/" }).catch(function () { /* the site works without it */ });
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "day" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  var waiting = function () { return withStore("readonly", function (s) { return s.getAll(); }); };
  var keep = function (entry) { return withStore("readwrite", function (s) { return s.put(entry); }); };
  var forget = function (day) { return withStore("readwrite", function (s) { return s.delete(day); }); };

  function dayName(day) {
    return new Date(day + "T12:00:00Z").toLocaleDateString("en-GB", {
      weekday: "long", day: "numeric", month: "long", timeZone: "UTC"
    });
  }

  function localToday() {
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // --- What the person sees -------------------------------------------------------------

  function statusBox() {
    var box = document.querySelector("[data-queue-status]");
    var main = document.getElementById("main");
    if (!box && main) {
      box = document.createElement("div");
      box.className = "messages queue-status";
      box.setAttribute("role", "status");
      box.setAttribute("data-queue-status", "");
      main.insertBefore(box, main.firstChild);
    }
    return box;
  }

  // lines: [{text, kind, link: {href, text}, buttons: [{text, action}]}]
  function say(lines) {
    var box = statusBox();
    if (!box) { return; }
    box.textContent = "";
    lines.forEach(function (line) {
      var p = document.createElement("p");
      p.className = "message " + (line.kind || "info");
      p.textContent = line.text;
      if (line.link) {
        var a = document.createElement("a");
        a.href = line.link.href;
        a.textContent = line.link.text;
        p.appendChild(document.createTextNode(" "));
        p.appendChild(a);
      }
      (line.buttons || []).forEach(function (spec) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "secondary";
        button.textContent = spec.text;
        button.addEventListener("click", spec.action);
        p.appendChild(document.createTextNode(" "));
        p.appendChild(button);
      });
      box.appendChild(p);
    });
  }

  function describe(entries, sentNow) {
    var lines = [];
    sentNow.forEach(function (item) {
      lines.push({ text: "Sent: your check-in for " + dayName(item.entry.day) + ".", kind: "success" });
      if (item.safety) {
        lines.push({
          text: "You said you've had thoughts of hurting yourself. You don't have to face this alone.",
          kind: "error",
          link: { href: attr("data-help"), text: "Get help now" }
        });
      }
    });
    entries.forEach(function (entry) {
      var name = dayName(entry.day);
      if (entry.state === "queued") {
        lines.push({ text: "Saved on this phone: your check-in for " + name + ". It will be sent when you're online." });
      } else if (entry.state === "conflict") {
        lines.push({
          text: name + " was saved from another device while this one was offline, so what you wrote here was not sent.",
          kind: "error",
          buttons: [
            { text: "Use what I wrote here", action: function () {
              entry.state = "queued";
              entry.fields = entry.fields.filter(function (f) { return f[0] !== "version"; }).concat([["version", String(entry.serverVersion)]]);
              keep(entry).then(run);
            } },
            { text: "Keep what's saved", action: function () { forget(entry.day).then(show); } }
          ]
        });
      } else if (entry.state === "refused") {
        lines.push({
          text: "Not sent, your check-in for " + name + ": " + (entry.message || "it was not accepted") + ".",
          kind: "error",
          buttons: [{ text: "Remove it", action: function () { forget(entry.day).then(show); } }]
        });
      }
    });
    return lines;
  }

  function show(extra) {
    return waiting().then(function (entries) {
      var lines = describe(entries, []).concat(extra || []);
      if (lines.length || document.querySelector("[data-queue-status]")) { say(lines); }
    }).catch(function () { /* no storage here: nothing to show */ });
  }

  // --- Sending --------------------------------------------------------------------------

  function post(entry) {
    var body = new URLSearchParams();
    entry.fields.forEach(function (field) { body.append(field[0], field[1]); });
    return fetch(attr("data-checkin") + entry.day + "/", {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",  // a redirect means the session ended: sign in first
      headers: { "X-CSRFToken": csrfToken(), "X-Tideline-Queue": "1" },
      body: body
    }).then(function (response) {
      if (response.type === "opaqueredirect") { return { kind: "signin" }; }
      if (response.status === 403) { return { kind: "csrf" }; }
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") !== 0) { return { kind: "later" }; }
      return response.json().then(function (answer) { return { kind: answer.status, answer: answer }; });
    }, function () { return { kind: "later" }; });
  }

  function sendWaiting() {
    return waiting().then(function (entries) {
      var queue = entries.filter(function (e) { return e.state === "queued"; })
        .sort(function (a, b) { return a.day < b.day ? -1 : 1; });
      var sent = [];
      var stop = null;
      var chain = Promise.resolve();
      queue.forEach(function (entry) {
        chain = chain.then(function () {
          if (stop) { return null; }
          return post(entry).then(function (outcome) {
            var answer = outcome.answer || {};
            if (outcome.kind === "saved") {
              sent.push({ entry: entry, safety: answer.safety });
              return forget(entry.day);
            }
            if (outcome.kind === "stale") {
              entry.state = "conflict";
              entry.serverVersion = answer.version;
              if (answer.safety) { sent.push({ entry: entry, safety: true }); }
              return keep(entry);
            }
            if (outcome.kind === "refused") {
              entry.state = "refused";
              entry.message = answer.message;
              return keep(entry);
            }
            stop = outcome.kind;
            return null;
          });
        });
      });
      return chain.then(function () {
        return waiting().then(function (left) {
          var lines = describe(left, sent);
          if (stop === "signin" && left.length) {
            lines.push({ text: "Sign in to send the check-ins saved on this phone.", kind: "error" });
          } else if (stop === "csrf" && left.length) {
            lines.push({ text: "Reload this page to send the check-ins saved on this phone.", kind: "error" });
          }
          if (lines.length) { say(lines); }
        });
      });
    });
  }

  // One sender at a time across tabs: two tabs flushing at once must not post a day twice.
  // `navigator.onLine` may still say false while the "online" event is handled: that event
  // tries anyway (a failed post leaves the entry waiting).
  function run(event) {
    if (!navigator.onLine && !(event && event.type === "online")) { return show(); }
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request(LOCK, sendWaiting).catch(function () { return show(); });
    }
    return sendWaiting().catch(function () { return show(); });
  }

  // --- Saving on the phone --------------------------------------------------------------

  function entryFrom(form, day) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrfmiddlewaretoken" && name !== "day") {
        fields.push([name, value]);
      }
    });
    return { day: day, fields: fields, savedAt: new Date().toISOString(), state: "queued" };
  }

  function saveOnPhone(entry) {
    return keep(entry).then(function () {
      say([{ text: "Saved on this phone: your check-in for " + dayName(entry.day) + ". It will be sent when you're online.", kind: "success" }]);
      if (navigator.onLine) { return run(); }
      return null;
    });
  }

  function offlineError(form, text) {
    var error = form.querySelector("[data-offline-error]");
    if (!error) {
      error = document.createElement("p");
      error.className = "error";
      error.setAttribute("role", "alert");
      error.setAttribute("data-offline-error", "");
      form.insertBefore(error, form.firstChild);
    }
    error.textContent = text;
  }

  function saveOfflineForm(form) {
    var day = form.querySelector("[data-offline-day]").value;
    var mood = form.querySelector("input[name=mood]:checked");
    if (!day || day > localToday()) { offlineError(form, "Please choose today or an earlier day."); return; }
    if (!mood) { offlineError(form, "Please choose a number for mood, from 0 to 10."); return; }
    var error = form.querySelector("[data-offline-error]");
    if (error) { error.remove(); }
    var entry = entryFrom(form, day);
    form.reset();  // at once, not after the save: the next day may already be being entered
    setDay(form, day);
    saveOnPhone(entry);
  }

  function setDay(form, day) {
    var input = form.querySelector("[data-offline-day]");
    if (!input) { return; }
    input.max = localToday();
    var asked = /\/checkin\/(\d{4}-\d{2}-\d{2})\//.exec(window.location.pathname);
    input.value = day || (asked ? asked[1] : localToday());
  }

  // --- Signing out ----------------------------------------------------------------------

  function clearEverything() {
    var jobs = [new Promise(function (resolve) {
      var request = indexedDB.deleteDatabase(DB);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    })];
    if (window.caches) {
      jobs.push(caches.keys().then(function (keys) {
        return Promise.all(keys.filter(function (k) { return k.indexOf("tideline-") === 0; })
          .map(function (k) { return caches.delete(k); }));
      }));
    }
    if ("serviceWorker" in navigator) {
      jobs.push(navigator.serviceWorker.getRegistration("/").then(function (registration) {
        if (!registration) { return null; }
        var push = registration.pushManager ? registration.pushManager.getSubscription() : Promise.resolve(null);
        return push.then(function (subscription) {
          if (!subscription) { return null; }
          var endpoint = subscription.endpoint;
          return subscription.unsubscribe().then(function () {
            return fetch(attr("data-push-unsubscribe"), {
              method: "POST",
              credentials: "same-origin",
              headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
              body: JSON.stringify({ endpoint: endpoint })
            });
          });
        }).then(function () { return registration.unregister(); });
      }));
    }
    try { window.localStorage.clear(); window.sessionStorage.clear(); } catch (e) { /* none here */ }
    return Promise.all(jobs.map(function (job) { return job.catch(function () { return null; }); }));
  }

  function isSignOut(form) {
    try { return new URL(form.action, window.location.href).pathname === attr("data-logout"); } catch (e) { return false; }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    if (form.hasAttribute("data-offline-checkin")) {
      event.preventDefault();
      saveOfflineForm(form);
    } else if (form.matches("form.checkin") && !navigator.onLine) {
      var day = /\/checkin\/(\d{4}-\d{2}-\d{2})\//.exec(form.getAttribute("action") || "");
      if (day) {
        event.preventDefault();
        saveOnPhone(entryFrom(form, day[1]));
      }
    } else if (isSignOut(form) && !form.hasAttribute("data-cleared")) {
      event.preventDefault();
      form.setAttribute("data-cleared", "");
      var give = new Promise(function (resolve) { setTimeout(resolve, 4000); }); // never hold sign-out long
      Promise.race([run().catch(function () { return null; }).then(clearEverything), give])
        .then(function () { form.submit(); }, function () { form.submit(); });
    }
  }, true);

  var offlinePage = document.querySelector("[data-offline-checkin]");
  if (!("indexedDB" in window) || !(signedIn || offlinePage)) { return; }
  document.querySelectorAll("[data-offline-checkin]").forEach(function (form) { setDay(form); });
  window.addEventListener("online", run);
  window.addEventListener("offline", function () { show(); });
  // Networks come back without telling anyone (a captive portal, a server that was down):
  // while anything waits, try again every 20 seconds.
  setInterval(function () {
    waiting().then(function (entries) {
      if (entries.some(function (e) { return e.state === "queued"; })) { run(); }
    }).catch(function () { return null; });
  }, 20000);
  run();
})();
