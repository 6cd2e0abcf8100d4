// Nothing typed is lost: what someone writes in a form marked `data-draft` (the check-in, a
// session's intention and insights, the safety plan) is kept in this browser's storage as
// they type. If the session ended meanwhile, "Save" lands on the sign-in form; after signing
// in again they come back to the form, find what they wrote, and save it.
//
// - A draft belongs to the account that wrote it (`data-user` on <body>): signed in as anyone
//   else, it is deleted unread.
// - It is removed once saved: "Save" marks it sent; the next signed-in page (not the same form
//   shown again with errors) means it was saved. A sign-in page in between means it was not.
// - Signing out clears it (static/js/offline.js clears all storage, and the server sends
//   Clear-Site-Data). Drafts older than a week are dropped. Nothing goes in a URL.
(function () {
  "use strict";
  var PREFIX = "tideline-draft:";
  var MAX_AGE_MS = 7 * 24 * 3600 * 1000;
  var store;
  try { store = window.localStorage; store.getItem(PREFIX); } catch (e) { return; }

  var owner = document.body.getAttribute("data-user") || "";
  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-draft]"));
  var pageHasErrors = !!document.querySelector(".error-summary");

  function read(key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }
  function write(key, draft) {
    try { store.setItem(key, JSON.stringify(draft)); } catch (e) { /* full or refused: nothing to do */ }
  }
  function draftKeys() {
    var keys = [];
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) { keys.push(key); }
    }
    return keys;
  }
  function formKey(form) { return PREFIX + form.getAttribute("data-draft"); }

  // Housekeeping for every draft, on every page.
  var here = {};
  forms.forEach(function (form) { here[formKey(form)] = true; });
  draftKeys().forEach(function (key) {
    var draft = read(key);
    if (!draft || Date.now() - (draft.at || 0) > MAX_AGE_MS) { store.removeItem(key); return; }
    if (!owner) {
      // Signed out (the sign-in page): a "Save" that ended up here did not save anything.
      if (draft.sent) { draft.sent = false; write(key, draft); }
      return;
    }
    if (draft.owner !== owner) { store.removeItem(key); return; }
    if (draft.sent) {
      if (here[key] && pageHasErrors) { draft.sent = false; write(key, draft); } else { store.removeItem(key); }
    }
  });
  if (!owner) { return; }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      if (!el.name || el.disabled) { return false; }
      var type = (el.type || "").toLowerCase();
      return ["hidden", "password", "file", "submit", "button", "reset"].indexOf(type) === -1;
    });
  }
  function snapshot(form) {
    var values = {};
    fields(form).forEach(function (el) {
      var type = (el.type || "").toLowerCase();
      if (type === "radio") {
        if (el.checked) { values[el.name] = el.value; } else if (!(el.name in values)) { values[el.name] = null; }
      } else if (type === "checkbox") {
        var list = values[el.name] || [];
        if (el.checked) { list.push(el.value); }
        values[el.name] = list;
      } else if (el.tagName === "SELECT" && el.multiple) {
        values[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }
  function apply(form, values) {
    fields(form).forEach(function (el) {
      if (!(el.name in values)) { return; }
      var value = values[el.name];
      var type = (el.type || "").toLowerCase();
      if (type === "radio") {
        el.checked = value !== null && el.value === value;
      } else if (type === "checkbox") {
        el.checked = Array.isArray(value) && value.indexOf(el.value) !== -1;
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = Array.isArray(value) && value.indexOf(o.value) !== -1; });
      } else if (typeof value === "string") {
        el.value = value;
      }
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  forms.forEach(function (form) {
    var key = formKey(form);
    var original = snapshot(form);
    var draft = read(key);
    var restoring = false;

    if (draft && draft.values && !same(draft.values, original)) {
      restoring = true;
      apply(form, draft.values);
      restoring = false;
      var notice = document.createElement("div");
      notice.className = "draft-notice";
      notice.setAttribute("role", "status");
      var text = document.createElement("p");
      text.textContent = "We kept what you were writing here (your session may have ended before it was saved). Check it, then save.";
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "secondary";
      discard.textContent = "Discard what was kept";
      discard.addEventListener("click", function () {
        store.removeItem(key);
        apply(form, original);
        notice.remove();
        var first = fields(form)[0];
        if (first) { first.focus(); }
      });
      notice.appendChild(text);
      notice.appendChild(discard);
      form.parentNode.insertBefore(notice, form);
    }

    function save() {
      if (restoring) { return; }
      var values = snapshot(form);
      if (same(values, original) && !read(key)) { return; }
      write(key, { owner: owner, at: Date.now(), values: values, sent: false });
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function () {
      var kept = read(key);
      if (kept) { kept.sent = true; kept.at = Date.now(); write(key, kept); }
    });
  });
})();
