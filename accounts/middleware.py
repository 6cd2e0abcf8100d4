import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import timezone

from .trusted import SIGNED_IN_AT, session_has_ended
from .two_factor import is_open_without_two_factor, must_have_two_factor, needs_enrolment


class ActivateUserTimeZoneMiddleware:
    """Render dates and times in the signed-in person's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zoneinfo)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


SESSION_REFRESHED_AT = "_refreshed_at"


class RefreshSessionExpiryMiddleware:
    """Keep the idle timeout without writing the session on every request.

    Each request in a signed-in session moves the session's deadline forward, but at most once
    every `SESSION_REFRESH_INTERVAL` seconds: the session is saved (and its expiry set to
    `SESSION_COOKIE_AGE` from now) only when the last refresh is older than that. An idle session
    therefore ends between `SESSION_COOKIE_AGE - SESSION_REFRESH_INTERVAL` and
    `SESSION_COOKIE_AGE` seconds after the last request (never later),
    and a page viewed twice in a minute costs no session write. Runs after
    `SessionMiddleware`, before the view, so a view that logs out is not undone by a refresh.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            refreshed_at = session.get(SESSION_REFRESHED_AT)  # loads; an expired session empties
            now = int(time.time())
            if session.session_key and (
                not isinstance(refreshed_at, int)
                or now - refreshed_at >= settings.SESSION_REFRESH_INTERVAL
                or refreshed_at > now  # a clock step backwards: refresh rather than trust it
            ):
                # Marks the session modified: SessionMiddleware saves it on the way out, with
                # its expiry SESSION_COOKIE_AGE from now (and the cookie still a browser-session
                # cookie, whatever allauth's set_expiry(0) at login chose).
                session[SESSION_REFRESHED_AT] = now
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """Until a care-team or staff account has a second factor, every page but the enrolment
    pages (and sign-out, the help page, static files) sends it to enrolment: see
    accounts/two_factor.py. Patients and anonymous visitors pass untouched, at no cost; an
    account that must have one pays one indexed query per request."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and must_have_two_factor(user)
            and not request.path_info.startswith(self.static_prefix)
            and not is_open_without_two_factor(_url_name(request.path_info))
            and needs_enrolment(user)
        ):
            return redirect("two_factor_required")
        return self.get_response(request)


def _url_name(path: str) -> str | None:
    try:
        return resolve(path).url_name
    except Resolver404:
        return None


class SessionLifetimeMiddleware:
    """Ends a signed-in session that has outlived `SESSION_ABSOLUTE_LIFETIME` (unless on a
    trusted device) or was signed in before "Sign out everywhere" (accounts/trusted.py).
    After AuthenticationMiddleware: the person is read only when the session names one, and
    most pages read them anyway. The request then goes on signed out, so a page that needs
    signing in sends them to the sign-in form and back (what they were typing is kept in the
    browser: static/js/drafts.js)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            if SIGNED_IN_AT in session:
                if session_has_ended(session, user):
                    logout(request)
            elif user.signed_out_everywhere_at is not None:
                logout(request)  # signed in before the stamps existed, and before "everywhere"
            else:
                session[SIGNED_IN_AT] = time.time()  # signed in before the stamps existed
        return self.get_response(request)
