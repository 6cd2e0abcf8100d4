from django.conf import settings

from .trusted import is_trusted

# The warning comes this long before a quiet session ends (or halfway, for a short timeout).
IDLE_WARNING_LEAD_SECONDS = 120


def idle_warning(request) -> dict:
    """For static/js/idle-warning.js: when this page's session would end if nothing else
    happens. A session may end as early as SESSION_COOKIE_AGE - SESSION_REFRESH_INTERVAL after
    a request (the refresh is skipped within an interval), so that is the time counted. Not for
    trusted devices (no idle timeout) or visitors who are not signed in."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or session is None or not user.is_authenticated or is_trusted(session):
        return {}
    seconds = max(settings.SESSION_COOKIE_AGE - settings.SESSION_REFRESH_INTERVAL, 1)
    warn = min(IDLE_WARNING_LEAD_SECONDS, max(seconds // 2, 1))
    words = f"{warn // 60} minutes" if warn >= 120 else f"{warn} seconds"
    return {"idle_warning": {"seconds": seconds, "warn": warn, "warn_words": words}}
