{% autoescape off %}// Tideline's service worker (journal/shell.py serves it from /sw.js, scope: the whole site).
// It keeps the app shell (our CSS, scripts, the Plotly bundle, icons, the manifest and the
// offline page) and nothing else: pages carry health data and always come from the network.
// Offline, any page opens as the offline page, whose check-in form saves to the phone.
"use strict";
const VERSION = "{{ version }}";
const CACHE = "tideline-shell-" + VERSION;
const SHELL = {{ shell }};
const OFFLINE_URL = {{ offline_url }};
const ICON_URL = {{ icon_url }};
const SHELL_PATHS = new Set(SHELL);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload", credentials: "omit" }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith("tideline-") && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") { return; } // saves always go to the network (or the phone's queue)
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    // Never cached: a page may hold health data. Offline (or the server unreachable), the
    // offline page from the shell.
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
    return;
  }
  if (SHELL_PATHS.has(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request)));
  }
});

// Sign-out (static/js/offline.js) asks the worker to drop what it keeps.
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "clear") {
    event.waitUntil(
      caches.keys()
        .then((keys) => Promise.all(keys.filter((key) => key.startsWith("tideline-")).map((key) => caches.delete(key))))
        .then(() => { if (event.ports[0]) { event.ports[0].postMessage("cleared"); } })
    );
  }
});

// A reminder (accounts/push.py): a title, a line and the page it is about. Nothing else.
self.addEventListener("push", (event) => {
  let message = { title: "Tideline", body: "", url: "/", tag: "tideline" };
  try { message = Object.assign(message, event.data ? event.data.json() : {}); } catch (e) { /* keep the default */ }
  event.waitUntil(self.registration.showNotification(message.title, {
    body: message.body,
    tag: message.tag,
    icon: ICON_URL,
    badge: ICON_URL,
    data: { url: message.url }
  }));
});

// Tapping it opens the page it is about: a tab already showing it, or a new one. Only ever a
// page of this site, whatever the payload says.
function pageFor(data) {
  const target = new URL((data && data.url) || "/", self.location.origin);
  return target.origin === self.location.origin ? target.href : self.location.origin + "/";
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = pageFor(event.notification.data);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (client.url === url && "focus" in client) { return client.focus(); }
      }
      return self.clients.openWindow(url);
    })
  );
});
{% endautoescape %}
