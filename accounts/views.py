import json
import time

from allauth.account.decorators import reauthentication_required
from allauth.account.views import LogoutView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from .countries import browser_hints
from .decorators import patient_required
from .forms import AccountDeleteForm, ProfileSettingsForm
from .middleware import SESSION_REFRESHED_AT
from .push import push_enabled, push_subscribe, push_unsubscribe
from .services import account_delete, profile_update
from .trusted import is_trusted, live_devices, sign_out_everywhere, signed_out
from .two_factor import needs_enrolment
from .unsubscribe import (
    PREFERENCES,
    LinkProblem,
    kind_label,
    notification_turn_off,
    unsubscribe_user,
)


# On a trusted device ("Keep me signed in on this phone") settings ask for the password or a
# passkey again, as sharing, downloads and deletion always do: a phone left unlocked should
# not be enough to change where reminders go or who the account belongs to.
@login_required
@reauthentication_required(enabled=lambda request: is_trusted(request.session))
def profile_settings(request):
    form = ProfileSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        profile_update(
            user=request.user,
            changes=form.changes(),
        )
        messages.success(request, "Your settings are saved.")
        return redirect("profile_settings")
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "region_hints": browser_hints(),
            "vapid_public_key": settings.VAPID_PUBLIC_KEY if push_enabled() else "",
            "trusted_devices": live_devices(request.user, request.session),
            "this_device_trusted": is_trusted(request.session),
        },
    )


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


# JSON for the settings page's script (static/js/push.js); CSRF is checked as for any POST (the
# script sends the token in the X-CSRFToken header).
@login_required
@require_POST
def push_subscription_add(request):
    """This device allowed notifications: remember its push subscription for this account."""
    if not push_enabled():
        return JsonResponse({"error": "Notifications are not set up on this server."}, status=404)
    body = _json_body(request)
    keys = body.get("keys")
    if not isinstance(keys, dict):
        keys = {}
    try:
        push_subscribe(
            user=request.user,
            endpoint=str(body.get("endpoint", "")),
            p256dh=str(keys.get("p256dh", "")),
            auth=str(keys.get("auth", "")),
        )
    except ValidationError as error:
        return JsonResponse({"error": error.messages[0]}, status=400)
    return JsonResponse({"ok": True}, status=201)


@login_required
@require_POST
def push_subscription_remove(request):
    """Notifications turned off on this device, or signing out on it: forget it."""
    push_unsubscribe(user=request.user, endpoint=str(_json_body(request).get("endpoint", "")))
    return JsonResponse({"ok": True})


@login_required
@never_cache
def two_factor_required(request):
    """Where a care-team or staff account without a second factor is sent (accounts/
    two_factor.py): why, and the two ways to set one up."""
    if not needs_enrolment(request.user):
        return redirect("home")
    return render(request, "accounts/two_factor_required.html")


@patient_required
@reauthentication_required
@never_cache
@require_http_methods(["GET", "POST"])
def account_delete_view(request):
    """Patients delete their own account here; care-team accounts are an admin's to remove."""
    # Bound on any POST: an empty one (the box left unticked) must show its error.
    form = AccountDeleteForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            account_delete(user=request.user)
        except IntegrityError:  # a weekly summary was being written for them at that moment
            form.add_error(
                None, "Nothing was deleted: something was saving just then. Please try again."
            )
        else:
            logout(request)
            return render(request, "accounts/deleted.html")
    return render(request, "accounts/delete.html", {"form": form})


# Public: the link in an email must work without signing in. CSRF-exempt, and only this view:
# RFC 8058 one-click unsubscribe is a POST that the mail provider sends from its own servers,
# with no cookie and no CSRF token. CSRF defends actions authorised by a browser's ambient
# session; this view never reads the session. What authorises it is the signed token in the
# URL, which only the email's recipient has, and all it can do is switch one kind of email off.
# GET never changes anything (link scanners and previews fetch links): it shows a confirm page.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def notification_unsubscribe(request, kind: str, token: str):
    user = unsubscribe_user(kind=kind, token=token)
    if isinstance(user, LinkProblem):
        # Expired and old links say so kindly, with the way to the same switch in Settings.
        status = 404 if user is LinkProblem.INVALID else 410
        return render(
            request,
            "accounts/unsubscribe_invalid.html",
            {"problem": user.value, "what": kind_label(kind) if kind in PREFERENCES else None},
            status=status,
        )
    context = {"what": kind_label(kind)}
    if request.method == "POST":
        notification_turn_off(user=user, kind=kind)
        return render(request, "accounts/unsubscribe_done.html", context)
    return render(request, "accounts/unsubscribe_confirm.html", context)


_allauth_logout = LogoutView.as_view()


def sign_out(request):
    """allauth's sign-out, plus: the browser is told to drop everything this site stored on it
    (the service worker and its cache, check-ins queued offline, anything in page storage),
    so the next person on a shared phone finds nothing. static/js/offline.js clears the same
    before the post, for browsers that ignore the header."""
    if request.method == "POST":
        signed_out(request.session)
    response = _allauth_logout(request)
    if request.method == "POST":
        response["Clear-Site-Data"] = '"cache", "storage"'
    return response


def bad_request(request, exception):
    """The 400 page (config.urls.handler400). Django's own is CSRF-protected, so a form that
    could not be read (a body in an encoding Django refuses) was read again to check its token,
    and the second failure became a 500. This one reads nothing of the request body."""
    return render(request, "400.html", status=400)


# For static/js/idle-warning.js's "Stay signed in": a POST (CSRF-checked) that moves the idle
# deadline forward now. 401 rather than a redirect to sign in when the session has already
# ended, so the script can say so.
@never_cache
@require_POST
def keep_alive(request):
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    request.session[SESSION_REFRESHED_AT] = int(time.time())  # saved, with a new expiry
    return HttpResponse(status=204)


@login_required
@require_POST
def sign_out_everywhere_view(request):
    """End every session of this person: this one, other browsers, every remembered phone."""
    sign_out_everywhere(user=request.user)
    logout(request)
    messages.success(
        request,
        "You are signed out on every phone and computer, including this one. "
        "Sign in again to carry on.",
    )
    response = redirect("account_login")
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response
