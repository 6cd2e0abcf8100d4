"""Journal pages. HTTP only: parse, scope to `request.user`, call a service or selector, render.

Every query here is scoped to the signed-in patient; a lookup of anyone else's row is a 404.
"""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.decorators import patient_required

from . import selectors
from .forms import CheckInForm, QuestionnaireForm, SafetyPlanForm, TreatmentSessionForm
from .models import SafetyPlan, TreatmentSession
from .questionnaires import SPECS, STEM
from .safety import plan_sections, safety_context
from .services import (
    BACKFILL_DAYS,
    StaleCheckIn,
    checkin_day_check,
    checkin_save,
    integration_session_for,
    questionnaire_submit,
    safety_plan_save,
    treatment_session_save,
)


def home(request):
    # Public landing for visitors; the journal home for patients; the dashboard for care teams.
    if not request.user.is_authenticated:
        return render(request, "journal/welcome.html")
    if request.user.is_care_member:
        return redirect("careteam:dashboard")
    patient = request.user
    today = patient.today()
    due = selectors.questionnaires_due(patient=patient, today=today)
    return render(
        request,
        "journal/home.html",
        {
            "today": today,
            "checkin": selectors.checkin_for_day(patient=patient, day=today),
            "streak": selectors.streak_days(patient=patient, today=today),
            "streak_capped": selectors.STREAK_LOOKBACK,
            "due": [d for d in due if d.due],
            "integration_session": integration_session_for(patient=patient, day=today),
            "has_safety_plan": SafetyPlan.objects.filter(patient=patient).exists(),
        },
    )


# Public on purpose: someone in crisis may be signed out, or on a borrowed phone.
def need_help_now(request):
    context = safety_context(request.user)
    return render(
        request,
        "journal/need_help_now.html",
        {**context.as_template(), "signed_in_patient": request.user.is_authenticated},
    )


# --- Check-in ---


@patient_required
def checkin_today(request):
    return _checkin(request, request.user.today(), is_today=True)


@patient_required
def checkin_day(request, day: dt.date):
    is_today = day == request.user.today()
    if is_today and request.method == "GET":
        return redirect("checkin")
    return _checkin(request, day, is_today=is_today)


@require_http_methods(["GET", "POST"])
def _checkin(request, day: dt.date, *, is_today: bool):
    patient = request.user
    try:
        checkin_day_check(patient=patient, day=day)
    except ValidationError as error:
        return render(
            request,
            "journal/checkin_refused.html",
            {"reason": error.messages[0], "day": day},
            status=400,
        )
    existing = selectors.checkin_for_day(patient=patient, day=day)
    session = integration_session_for(patient=patient, day=day)
    form_kwargs = {
        "activities": selectors.activities_for(patient),
        "integration": session is not None,
    }
    stale = False
    if request.method == "POST":
        form = CheckInForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                checkin = checkin_save(
                    patient=patient,
                    day=day,
                    data=form.to_data(),
                    expected_version=form.cleaned_data["version"],
                )
            except StaleCheckIn as conflict:
                if conflict.current.self_harm_thoughts and form.cleaned_data["self_harm_thoughts"]:
                    # Safety first: the "yes" was kept even from a stale tab; show help now.
                    return _safety_flow(request, source="checkin", stale=True)
                stale = True
                existing = selectors.checkin_for_day(patient=patient, day=day)
                form = CheckInForm(initial=CheckInForm.initial_from(existing), **form_kwargs)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if checkin.self_harm_thoughts:
                    return _safety_flow(request, source="checkin")
                messages.success(request, _saved_message(day, is_today))
                return redirect("home" if is_today else "history")
    else:
        form = CheckInForm(initial=CheckInForm.initial_from(existing), **form_kwargs)
    return render(
        request,
        "journal/checkin.html",
        {
            "form": form,
            "day": day,
            "is_today": is_today,
            "existing": existing,
            "stale": stale,
            "session": session,
            # The day is in the action, so a form opened before midnight saves to that day.
            "action": reverse("checkin_day", args=[day]),
        },
    )


def _safety_flow(request, *, source: str, stale: bool = False):
    """The safety flow, in this very response (no redirect to wait for): crisis lines, the care
    teams the patient shares with and their notes, and the patient's safety plan."""
    context = safety_context(request.user).as_template()
    return render(
        request, "journal/safety_flow.html", {**context, "source": source, "stale": stale}
    )


def _saved_message(day: dt.date, is_today: bool) -> str:
    if is_today:
        return "Saved. Thank you for checking in today."
    return f"Saved your check-in for {day:%A %-d %B}."


# --- History ---


@patient_required
def history(request):
    page = selectors.history_page(patient=request.user, page_number=request.GET.get("page"))
    oldest_editable = request.user.today() - dt.timedelta(days=BACKFILL_DAYS)
    return render(
        request, "journal/history.html", {"page": page, "oldest_editable": oldest_editable}
    )


@patient_required
def history_calendar(request):
    today = request.user.today()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    earliest = (today - dt.timedelta(days=BACKFILL_DAYS)).year - 5
    year = min(max(year, earliest), today.year)
    months = selectors.year_in_pixels(patient=request.user, year=year, today=today)
    oldest_editable = today - dt.timedelta(days=BACKFILL_DAYS)
    return render(
        request,
        "journal/calendar.html",
        {
            "months": months,
            "year": year,
            "today": today,
            "oldest_editable": oldest_editable,
            "previous_year": year - 1 if year > earliest else None,
            "next_year": year + 1 if year < today.year else None,
            "legend": range(11),
            "day_numbers": range(1, 32),
        },
    )


# --- Treatment sessions ---


@patient_required
def sessions(request):
    rows = TreatmentSession.objects.for_patient(request.user).order_by("-started_at")
    return render(request, "journal/sessions.html", {"sessions": rows})


@patient_required
@require_http_methods(["GET", "POST"])
def session_add(request):
    return _session_form(request, None)


@patient_required
@require_http_methods(["GET", "POST"])
def session_edit(request, pk: int):
    session = get_object_or_404(TreatmentSession.objects.for_patient(request.user), pk=pk)
    return _session_form(request, session)


def _session_form(request, session):
    patient = request.user
    if request.method == "POST":
        form = TreatmentSessionForm(request.POST)
        if form.is_valid():
            try:
                treatment_session_save(patient=patient, data=form.to_data(), session=session)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Your session is saved.")
                return redirect("sessions")
    elif session is not None:
        form = TreatmentSessionForm(
            initial=TreatmentSessionForm.initial_from(session, patient.zoneinfo)
        )
    else:
        form = TreatmentSessionForm(initial={"day": patient.today()})
    return render(request, "journal/session_form.html", {"form": form, "session": session})


# --- Questionnaires ---


@patient_required
def questionnaires(request):
    patient = request.user
    return render(
        request,
        "journal/questionnaires.html",
        {
            "statuses": selectors.questionnaires_due(patient=patient, today=patient.today()),
            "history": selectors.questionnaire_history(patient=patient),
        },
    )


@patient_required
@require_http_methods(["GET", "POST"])
def questionnaire_fill(request, instrument: str):
    spec = SPECS.get(instrument)
    if spec is None:
        raise Http404
    patient = request.user
    if request.method == "POST":
        form = QuestionnaireForm(request.POST, spec=spec)
        if form.is_valid():
            try:
                result = questionnaire_submit(
                    patient=patient,
                    instrument=spec.instrument,
                    answers=form.answers(),
                    submission_key=form.cleaned_data["submission_key"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if result.needs_safety_flow:
                    return _safety_flow(request, source="questionnaire")
                messages.success(
                    request,
                    f"Thank you. Your {spec.title} score is {result.response.total} "
                    f"({result.response.band}).",
                )
                return redirect("questionnaires")
    else:
        form = QuestionnaireForm(spec=spec)
    return render(
        request, "journal/questionnaire_form.html", {"form": form, "spec": spec, "stem": STEM}
    )


# --- Safety plan ---


@patient_required
def safety_plan(request):
    plan = SafetyPlan.objects.filter(patient=request.user).first()
    return render(
        request, "journal/safety_plan.html", {"plan": plan, "sections": plan_sections(plan)}
    )


@patient_required
@require_http_methods(["GET", "POST"])
def safety_plan_edit(request):
    plan = SafetyPlan.objects.filter(patient=request.user).first()
    form = SafetyPlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        safety_plan_save(
            patient=request.user,
            sections={name: form.cleaned_data[name] for name in SafetyPlan.SECTIONS},
        )
        messages.success(
            request, "Your safety plan is saved. It is one tap away under “Need help now?”."
        )
        return redirect("safety_plan")
    return render(request, "journal/safety_plan_edit.html", {"form": form})
