from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from .countries import browser_hints
from .decorators import patient_required
from .forms import AccountDeleteForm, ProfileSettingsForm
from .services import account_delete, profile_update
from .two_factor import needs_enrolment
from .unsubscribe import kind_label, notification_turn_off, unsubscribe_user


@login_required
def profile_settings(request):
    form = ProfileSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        profile_update(
            user=request.user,
            changes={name: form.cleaned_data[name] for name in form.Meta.fields},
        )
        messages.success(request, "Your settings are saved.")
        return redirect("profile_settings")
    return render(
        request, "accounts/settings.html", {"form": form, "region_hints": browser_hints()}
    )


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
    if user is None:
        return render(request, "accounts/unsubscribe_invalid.html", status=404)
    context = {"what": kind_label(kind)}
    if request.method == "POST":
        notification_turn_off(user=user, kind=kind)
        return render(request, "accounts/unsubscribe_done.html", context)
    return render(request, "accounts/unsubscribe_confirm.html", context)


# Public: load balancers and `docker compose` health checks call it without signing in.
@never_cache
@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
