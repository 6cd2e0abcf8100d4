import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

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


class NoStoreMiddleware:
    """`Cache-Control: no-store` (and private, no-cache, max-age=0) on every response of our
    apps' views (`NO_STORE_APPS`: journal, care team, export, settings, sign-in), whatever the
    status: a journal page, a chart, a download or a 404 must never be kept by a browser's disk
    cache, a shared computer's back button or a proxy. Decided by the view's module, so a new
    page is covered without anyone remembering a decorator; a view opts out only by saying it
    holds no personal data (`accounts.decorators.holds_no_personal_data`: the app shell).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is None:
            return response
        view = match.func
        if getattr(view, "holds_no_personal_data", False):
            return response
        app = (getattr(view, "__module__", None) or "").partition(".")[0]
        if app in settings.NO_STORE_APPS:
            add_never_cache_headers(response)
        return response


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
UTF8 = {"utf-8", "utf8"}


def refusal(request, status: int, reason: str):
    """A clear page, not a crash: what went wrong and what to do, with nothing of the body read."""
    template = "413.html" if status == 413 else "400.html"
    return render(request, template, {"reason": reason}, status=status)


class RequestBodyGuardMiddleware:
    """Refuse, before anything reads the body, a request the app could only fail on:

    - a form that declares a text encoding other than UTF-8 (every page of ours is UTF-8;
      Django refuses such a body with an error that its own 400 page then hit again, a 500);
    - a body larger than forms need: `MAX_ANONYMOUS_BODY_BYTES` signed out (a sign-in form is
      a few hundred bytes; no upload is taken from someone signed out), `MAX_FORM_BODY_BYTES`
      signed in, and more only on the one upload page, for a signed-in patient
      (`accounts.decorators.accepts_upload`).

    After AuthenticationMiddleware (it asks who is signed in), before any view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in {"POST", "PUT", "PATCH"}:
            refused = self._refusal(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _refusal(self, request):
        content_type = request.content_type or ""
        charset = (request.content_params or {}).get("charset", "").strip().lower()
        if content_type in FORM_TYPES and charset and charset not in UTF8:
            return refusal(
                request,
                400,
                "Your browser sent this form in a text encoding we can't read. Please go back, "
                "reload the page and try again.",
            )
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return refusal(request, 400, "Your browser sent a request we couldn't read.")
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        # Signed out, the only forms are sign-in, sign-up and password pages: a few hundred
        # bytes. A large body from nobody in particular is refused before it is read.
        limit = settings.MAX_FORM_BODY_BYTES if signed_in else settings.MAX_ANONYMOUS_BODY_BYTES
        if (
            content_type == "multipart/form-data"
            and user is not None
            and signed_in
            and user.is_patient
        ):
            try:
                view = resolve(request.path_info).func
            except Resolver404:
                view = None
            setting = getattr(view, "upload_max_bytes_setting", None)
            if setting is not None:
                # The file, and room for the form's other fields and the multipart framing.
                limit = getattr(settings, setting) + 64 * 1024
        if length > limit:
            return refusal(
                request,
                413,
                f"That was more than this page accepts ({filesizeformat(limit)} at most). "
                "Nothing was saved. If you were uploading a file, please check it is the right "
                "one.",
            )
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
