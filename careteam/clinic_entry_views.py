"""The team's side of clinic entries (Scope.CLINIC_ENTRIES): the patient's recent sessions
with their after-session checks, and the form to enter one. HTTP only: the rules live in
clinic_entries.py and journal/treatment.py."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from journal.access import Scope
from journal.after_session import Moment, moment_for
from journal.forms import SessionCheckForm

from . import clinic_entries
from .views import _grant_for_team, _tabs, patient_pages_limited


@never_cache
@login_required
@patient_pages_limited
def patient_clinic_entries(request, public_id: UUID):
    grant = _grant_for_team(request, public_id, need=Scope.CLINIC_ENTRIES, what="clinic_entries")
    return render(
        request,
        "careteam/patient_clinic_entries.html",
        {
            "patient": grant.patient,
            "sessions": clinic_entries.recent_sessions(grant=grant),
            **_tabs(grant, "clinic"),
        },
    )


@never_cache
@login_required
@patient_pages_limited
@require_http_methods(["GET", "POST"])
def clinic_check(request, public_id: UUID, pk: int):
    """A team member enters an after-session check for the patient. A severe answer shows the
    member the clinic's guidance at once; the patient sees the help page when they open the
    check."""
    grant = _grant_for_team(request, public_id, need=Scope.CLINIC_ENTRIES, what="clinic_entry")
    session = clinic_entries.session_of(grant=grant, pk=pk)
    context = {"patient": grant.patient, "session": session, **_tabs(grant, "clinic")}
    if request.method == "POST":
        form = SessionCheckForm(request.POST)
        if form.is_valid():
            try:
                check, severe = clinic_entries.clinic_check_save(
                    grant=grant, session=session, data=form.to_data()
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if severe:
                    return render(
                        request,
                        "careteam/clinic_check_severe.html",
                        {**context, "check": check, "severe": severe},
                    )
                messages.success(request, "Saved as your team's entry. The patient can read it.")
                return redirect(
                    "careteam:patient_clinic_entries", public_id=grant.patient.public_id
                )
        return render(request, "careteam/clinic_check.html", {**context, "form": form}, status=400)
    now_local = timezone.localtime(timezone.now(), grant.patient.zoneinfo)
    form = SessionCheckForm(
        initial={"moment": moment_for(session.day, now_local) or Moment.EVENING, "felt": 5}
    )
    return render(request, "careteam/clinic_check.html", {**context, "form": form})
