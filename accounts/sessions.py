"""Ending a person's sessions on every device at once (their account is being deleted).

Django keeps sessions by key, not by person, so the database-backed stores ("db", "cached_db",
the default) are read through for the ones that name this person. That reads every live
session, once, on an act as rare as deleting an account. With a store that cannot be listed
(cache, signed cookies) the sessions still end: Django signs a session with the account's
password hash and finds no account behind it on the next request, so it is signed out.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

LISTABLE = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


def sessions_end(*, user_id: int) -> int:
    """Delete every live session that is signed in as `user_id`; returns how many."""
    if settings.SESSION_ENGINE not in LISTABLE:
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    decode = store().decode
    keys = [
        s.session_key
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=2000)
        if str(decode(s.session_data).get(SESSION_KEY)) == str(user_id)
    ]
    for key in keys:
        store(session_key=key).delete()  # the row, and for cached_db its cached copy
    return len(keys)
