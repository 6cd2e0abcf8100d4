from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def patient_required(view):
    """Signed in, and a patient: care-team accounts have no journal of their own (404)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_patient:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def holds_no_personal_data(view):
    """Mark a view whose response is the same for everyone and names nobody (the app shell:
    manifest, service worker, offline page), so `NoStoreMiddleware` lets it set its own caching.
    Every other view of our apps is sent with `Cache-Control: no-store`."""
    view.holds_no_personal_data = True
    return view


def accepts_upload(max_bytes_setting: str):
    """Mark a view that takes a file upload from a signed-in patient, up to the size the named
    setting gives (bytes). `RequestBodyGuardMiddleware` refuses any other multipart request and
    any body larger than forms need, before a byte of it is read."""

    def mark(view):
        view.upload_max_bytes_setting = max_bytes_setting
        return view

    return mark
