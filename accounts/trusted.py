"""Trusted devices, session lifetimes and "Sign out everywhere".

Three ways a signed-in session ends, besides signing out:

- **Idle timeout** (`SESSION_COOKIE_AGE`, accounts/middleware.RefreshSessionExpiryMiddleware):
  30 quiet minutes, unless the device is trusted.
- **Absolute lifetime** (`SESSION_ABSOLUTE_LIFETIME`): however busy, a session that is not on a
  trusted device ends this long after signing in, so a computer left open in a clinic's
  waiting room does not stay in someone's journal all week.
- **Trusted device** ("Keep me signed in on this phone", off by default): the session lasts
  `TRUSTED_DEVICE_DAYS` from signing in, with no idle timeout, so a reminder opens the check-in
  with no sign-in. What could hurt if the phone were taken (sharing, export, deletion, settings,
  two-factor changes) still asks for the password or a passkey again: allauth's
  reauthentication, which looks at when this session last proved who it is, not at how long
  it has lasted.

"Sign out everywhere" stamps `User.signed_out_everywhere_at`; any session signed in before it
ends on its next request (`SessionLifetimeMiddleware`), whatever the session store, and the
stores that can be listed lose those sessions at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.utils import timezone

from .models import TrustedDevice, User
from .sessions import sessions_end

SIGNED_IN_AT = "_signed_in_at"  # unix seconds (a float), stamped at sign-in
TRUSTED_UNTIL = "_trusted_until"  # unix seconds; only on a trusted device
KEEP_REQUESTED = "_keep_signed_in"  # who ticked the box; read when the sign-in completes


def keep_signed_in_request(session, *, user: User | None, wanted: bool) -> None:
    """The sign-in form's box, kept in the session until the sign-in completes (after a
    second factor, that is a later request), with whose sign-in it was. Unticked clears any
    earlier tick, and a tick counts only for the account that ticked it, so a sign-in
    abandoned halfway on a shared phone cannot leave the next person's session trusted."""
    if wanted and user is not None:
        session[KEEP_REQUESTED] = str(user.pk)
    else:
        session.pop(KEEP_REQUESTED, None)


def is_trusted(session) -> bool:
    until = session.get(TRUSTED_UNTIL)
    return isinstance(until, int) and until > time.time()


def trusted_until(session) -> dt.datetime | None:
    until = session.get(TRUSTED_UNTIL)
    if not isinstance(until, int):
        return None
    return dt.datetime.fromtimestamp(until, tz=dt.UTC)


def apply_trusted_expiry(session) -> None:
    """A trusted session's store expiry is a fixed moment, not "idle timeout from now": the
    idle refresh then leaves it alone, and the browser keeps the cookie after closing."""
    until = trusted_until(session)
    if until is not None:
        session.set_expiry(until)


def signed_in(request, user: User) -> None:
    """Called by the allauth adapter once a sign-in has completed (password, passkey, second
    factor): stamp the time, and make the device trusted if that was asked for."""
    session = request.session
    now = time.time()
    session[SIGNED_IN_AT] = now
    if session.pop(KEEP_REQUESTED, None) != str(user.pk):
        session.pop(TRUSTED_UNTIL, None)
        return
    until = int(now) + settings.TRUSTED_DEVICE_DAYS * 86400
    session[TRUSTED_UNTIL] = until
    apply_trusted_expiry(session)
    if not session.session_key:
        session.save()
    TrustedDevice.objects.update_or_create(
        session_hash=session_hash(session.session_key),
        defaults={
            "user": user,
            "device": describe_device(request.headers.get("User-Agent", "")),
            "created_at": timezone.now(),
            "expires_at": dt.datetime.fromtimestamp(until, tz=dt.UTC),
        },
    )


def signed_out(session) -> None:
    """Signing out on a trusted device forgets it."""
    if session.session_key:
        TrustedDevice.objects.filter(session_hash=session_hash(session.session_key)).delete()


def session_has_ended(session, user: User) -> bool:
    """Whether a signed-in session must end now: too old (unless trusted), or signed in
    before "Sign out everywhere"."""
    if SESSION_KEY not in session:
        return False
    signed_in_at = session.get(SIGNED_IN_AT)
    if not isinstance(signed_in_at, int | float):
        return False  # a session from before these stamps: the middleware stamps it now
    everywhere = user.signed_out_everywhere_at
    if everywhere is not None and signed_in_at <= everywhere.timestamp():
        return True
    if is_trusted(session):
        return False
    return time.time() - signed_in_at > settings.SESSION_ABSOLUTE_LIFETIME


def session_hash(session_key: str) -> str:
    """What a trusted device row keeps of its session: enough to know "this one", not the key
    (a bearer credential; for signed-cookie sessions, the session itself)."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def live_devices(user: User, session) -> list[TrustedDevice]:
    """The person's remembered devices that have not yet expired, newest first, each marked
    `is_this_one` when it is the device asking."""
    this_one = session_hash(session.session_key) if session.session_key else ""
    devices = list(
        TrustedDevice.objects.filter(user=user, expires_at__gt=timezone.now()).order_by(
            "-created_at"
        )
    )
    for device in devices:
        device.is_this_one = device.session_hash == this_one
    return devices


@transaction.atomic
def sign_out_everywhere(*, user: User) -> int:
    """End every session of this person, on every device, remembered or not. Returns how many
    remembered devices were forgotten."""
    User.objects.filter(pk=user.pk).update(signed_out_everywhere_at=timezone.now())
    forgotten, _ = TrustedDevice.objects.filter(user=user).delete()
    sessions_end(user_id=user.pk)  # at once where the store can be listed; else on next request
    return forgotten


_BROWSERS = (
    ("Edg/", "Edge"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str) -> str:
    """ "Chrome on Android": enough for a person to recognise their own phone, and no more (no
    version, no model, nothing that fingerprints)."""
    user_agent = re.sub(r"\s+", " ", user_agent)[:500]
    browser = next((name for token, name in _BROWSERS if token in user_agent), "A browser")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    return f"{browser} on {system}" if system else browser
