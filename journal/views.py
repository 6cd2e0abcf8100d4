"""Journal pages. HTTP only: parse, ask the door for a grant, call a service or selector, render.

Every page of a patient's own journal gets its grant from `journal.access.own_journal` (the
same door a care team's pages ask) and reads through `grant.patient`; a lookup of anyone else's
row is a 404.
"""

import datetime as dt
import uuid

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.countries import browser_hints
from accounts.decorators import patient_required
from accounts.services import profile_update

from . import selectors
from .access import EVERYTHING, grant_for, own_journal
from .after_session import Effects, Moment, moment_for
from .care import care_teams
from .charts.page import trends_context
from .course_outcomes import courses_for, current_course
from .export import export_checkins_csv, export_json
from .export_zip import export_zip
from .fhir import CONTENT_TYPE as FHIR_CONTENT_TYPE
from .fhir import export_fhir
from .forms import (
    CheckInForm,
    ChecklistForm,
    CourseForm,
    DoseChangeForm,
    MedicationForm,
    QuestionnaireForm,
    SafetyPlanForm,
    SessionCheckForm,
    TreatmentSessionForm,
    day_words,
)
from .models import Course, Medication, SafetyPlan, TreatmentSession
from .questionnaires import SPECS, STEM
from .regions import REGIONS
from .safety import plan_sections, safety_context, section_label
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
from .signals import urgent_signals_safe_now
from .treatment import (
    checklist_for,
    course_update,
    medication_dose_change,
    medication_save,
    session_check_save,
    session_checklist_save,
)
from .warning_cards import warning_cards


def home(request):
    # Public landing for visitors; the journal home for patients; the dashboard for care teams.
    if not request.user.is_authenticated:
        return render(request, "journal/welcome.html")
    if request.user.is_care_member:
        return redirect("careteam:dashboard")
    return _home(request)


@own_journal
def _home(request, grant):
    patient = grant.patient
    today = patient.today()
    due = selectors.questionnaires_due(patient=patient, today=today)
    course = current_course(courses_for([patient.pk]).get(patient.pk, []))
    check_due = selectors.session_check_due(
        patient=patient, now_local=timezone.localtime(timezone.now(), patient.zoneinfo)
    )
    return render(
        request,
        "journal/home.html",
        {
            "course_cue": course.outcome.cue_for_patient if course else None,
            "session_check_due": check_due,
            "today": today,
            "checkin": selectors.checkin_for_day(patient=patient, day=today),
            "streak": selectors.streak_days(patient=patient, today=today),
            "streak_capped": selectors.STREAK_LOOKBACK,
            "due": [d for d in due if d.due],
            "integration_session": integration_session_for(patient=patient, day=today),
            "has_safety_plan": SafetyPlan.objects.filter(patient=patient).exists(),
            "cards": warning_cards(patient=patient, today=today).current,
            "plan_suggestions": len(care_teams().plan_suggestions(patient)),
        },
    )


@patient_required
def more(request):
    """On a phone, the pages that are not in the bottom tab bar (base.html)."""
    return render(request, "journal/more.html")


# Public on purpose: someone in crisis may be signed out, or on a borrowed phone.
def need_help_now(request):
    person = None
    if request.user.is_authenticated:
        person = request.user
        if person.is_patient:  # the door, for the safety plan and teams it shows
            person = grant_for(person, person.public_id, need=EVERYTHING, what="own").patient
    chosen = request.GET.get("country", "")
    context = safety_context(person, chosen=chosen if chosen in REGIONS else "")
    return render(
        request,
        "journal/need_help_now.html",
        {
            **context.as_template(),
            "region_hints": browser_hints(),
            "signed_in_patient": request.user.is_authenticated,
        },
    )


@login_required
@require_POST
def help_country(request):
    """Choose the country whose crisis lines the help page shows, and remember it (the same
    choice as in Settings)."""
    code = request.POST.get("country", "")
    if code not in REGIONS:
        return redirect("need_help_now")
    profile_update(user=request.user, changes={"country": code})
    messages.success(request, f"Showing crisis lines for {REGIONS[code].name}.")
    return redirect("need_help_now")


# --- Check-in ---


@own_journal
def checkin_today(request, grant):
    return _checkin(request, grant, grant.patient.today(), is_today=True)


@own_journal
def checkin_day(request, grant, day: dt.date):
    is_today = day == grant.patient.today()
    if is_today and request.method == "GET":
        return redirect("checkin")
    return _checkin(request, grant, day, is_today=is_today)


# A check-in saved on the phone while offline is sent later by static/js/offline.js as an
# ordinary post of this form (CSRF token, version and all), marked with this header so the
# answer is a word the script can act on instead of a page: "saved", "stale" (the day was
# saved elsewhere since; nothing applied) or "refused" (with the reason). Always a 200: the
# outcome is in the word, and a browser logs any 4xx as a console error.
QUEUED_HEADER = "X-Tideline-Queue"


def _queued_answer(status: str, **extra) -> JsonResponse:
    return JsonResponse({"status": status, **extra})


@require_http_methods(["GET", "POST"])
def _checkin(request, grant, day: dt.date, *, is_today: bool):
    patient = grant.patient
    queued = request.method == "POST" and request.headers.get(QUEUED_HEADER) == "1"
    try:
        checkin_day_check(patient=patient, day=day)
    except ValidationError as error:
        if queued:
            return _queued_answer("refused", message=error.messages[0])
        return render(
            request,
            "journal/checkin_refused.html",
            {"reason": error.messages[0], "day": day},
            status=400,
        )
    existing = selectors.checkin_for_day(patient=patient, day=day)
    session = integration_session_for(patient=patient, day=day)
    past_day = "" if is_today else day_words(day, today=patient.today())
    form_kwargs = {
        "activities": selectors.activities_for(patient),
        "integration": session is not None,
        "past_day": past_day,
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
                safety = bool(
                    conflict.current.self_harm_thoughts and form.cleaned_data["self_harm_thoughts"]
                )
                if queued:
                    return _queued_answer("stale", version=conflict.current.version, safety=safety)
                if safety:
                    # Safety first: the "yes" was kept even from a stale tab; show help now.
                    return _safety_flow(
                        request, patient, source="checkin", stale=True, past_day=past_day
                    )
                stale = True
                existing = selectors.checkin_for_day(patient=patient, day=day)
                form = CheckInForm(initial=CheckInForm.initial_from(existing), **form_kwargs)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if queued:
                    return _queued_answer(
                        "saved",
                        version=checkin.version,
                        safety=bool(checkin.self_harm_thoughts),
                        message=_saved_message(day, is_today),
                    )
                if checkin.self_harm_thoughts:
                    # A past day's "yes" shows help at once too: the thoughts may be back.
                    return _safety_flow(request, patient, source="checkin", past_day=past_day)
                messages.success(request, _saved_message(day, is_today))
                return redirect("home" if is_today else "history")
    else:
        form = CheckInForm(initial=CheckInForm.initial_from(existing), **form_kwargs)
    if queued:  # not saved: the form's first error, in words the phone can show
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return _queued_answer("refused", message=errors[0] if errors else "")
    return render(
        request,
        "journal/checkin.html",
        {
            "form": form,
            "day": day,
            "is_today": is_today,
            "past_day": past_day,
            "existing": existing,
            "stale": stale,
            "session": session,
            # The day is in the action, so a form opened before midnight saves to that day.
            "action": reverse("checkin_day", args=[day]),
        },
    )


def _safety_flow(request, patient, *, source: str, stale: bool = False, past_day: str = ""):
    """The safety flow, in this very response (no redirect to wait for): crisis lines, the care
    teams the patient shares with and their notes, and the patient's safety plan. `past_day`:
    the "yes" was about an earlier day, and the words say so."""
    context = safety_context(patient).as_template()
    return render(
        request,
        "journal/safety_flow.html",
        {**context, "source": source, "stale": stale, "past_day": past_day},
    )


def _saved_message(day: dt.date, is_today: bool) -> str:
    if is_today:
        return "Saved. Thank you for checking in today."
    return f"Saved your check-in for {day_words(day, today=day)}."


# --- History ---


@own_journal
def history(request, grant):
    page = selectors.history_page(patient=grant.patient, page_number=request.GET.get("page"))
    oldest_editable = grant.patient.today() - dt.timedelta(days=BACKFILL_DAYS)
    return render(
        request, "journal/history.html", {"page": page, "oldest_editable": oldest_editable}
    )


@own_journal
def history_calendar(request, grant):
    today = grant.patient.today()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    earliest = (today - dt.timedelta(days=BACKFILL_DAYS)).year - 5
    year = min(max(year, earliest), today.year)
    months = selectors.year_in_pixels(patient=grant.patient, year=year, today=today)
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


@own_journal
def sessions(request, grant):
    patient = grant.patient
    rows = TreatmentSession.objects.for_patient(patient).order_by("-started_at")
    due = selectors.questionnaires_due(patient=patient, today=patient.today())
    before = next((status for status in due if status.before_session), None)
    return render(request, "journal/sessions.html", {"sessions": rows, "phq9_before": before})


@own_journal
@require_http_methods(["GET", "POST"])
def session_add(request, grant):
    return _session_form(request, grant.patient, None)


@own_journal
@require_http_methods(["GET", "POST"])
def session_edit(request, grant, pk: int):
    session = get_object_or_404(TreatmentSession.objects.for_patient(grant.patient), pk=pk)
    return _session_form(request, grant.patient, session)


def _session_form(request, patient, session):
    if request.method == "POST":
        form = TreatmentSessionForm(request.POST)
        if form.is_valid():
            try:
                treatment_session_save(
                    patient=patient,
                    data=form.to_data(),
                    session=session,
                    submission_key=form.cleaned_data["submission_key"] if session is None else None,
                )
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
        form = TreatmentSessionForm(
            initial={"day": patient.today(), "submission_key": uuid.uuid4()}
        )
    return render(request, "journal/session_form.html", {"form": form, "session": session})


# --- Treatment courses ---


@own_journal
def courses(request, grant):
    """The patient's courses, latest first, each with its numbers and, when scores climb back,
    the durability cue in the patient's words. Three queries, whatever the history."""
    patient = grant.patient
    rows = courses_for([patient.pk]).get(patient.pk, [])
    return render(request, "journal/courses.html", {"courses": list(reversed(rows))})


@own_journal
@require_http_methods(["GET", "POST"])
def course_edit(request, grant, pk: int):
    patient = grant.patient
    course = get_object_or_404(Course.objects.for_patient(patient), pk=pk)
    if request.method == "POST":
        form = CourseForm(request.POST)
        if form.is_valid():
            try:
                course_update(patient=patient, course=course, data=form.to_data())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Your course is saved.")
                return redirect("courses")
    else:
        form = CourseForm(initial=CourseForm.initial_from(course))
    return render(request, "journal/course_form.html", {"form": form, "course": course})


# --- After a session ---


@own_journal
@require_http_methods(["GET", "POST"])
def session_check(request, grant, pk: int):
    """The after-session self-check. A severe after-effect shows the clinic's contact and the
    help page on the very next page, not a plain "saved"."""
    patient = grant.patient
    session = get_object_or_404(TreatmentSession.objects.for_patient(patient), pk=pk)
    if request.method == "POST":
        form = SessionCheckForm(request.POST)
        if form.is_valid():
            try:
                check = session_check_save(patient=patient, session=session, data=form.to_data())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                severe = Effects(check.effects).severe()
                if severe:
                    return render(
                        request,
                        "journal/session_check_severe.html",
                        {"severe": severe, "teams": care_teams().team_contacts(patient)},
                    )
                messages.success(request, "Thank you. Your check is saved.")
                return redirect("sessions")
    else:
        now_local = timezone.localtime(timezone.now(), patient.zoneinfo)
        form = SessionCheckForm(
            initial={"moment": moment_for(session.day, now_local) or Moment.EVENING, "felt": 5}
        )
    # What was already saved for this session, each marked with who entered it. A severe answer
    # the care team entered shows the patient the clinic's contact and the help page here.
    checks = list(session.checks.order_by("moment"))
    team_severe = [words for check in checks if check.by_team for words in check.severe]
    return render(
        request,
        "journal/session_check.html",
        {
            "form": form,
            "session": session,
            "checks": checks,
            "team_severe": team_severe,
            "teams": care_teams().team_contacts(patient) if team_severe else [],
        },
    )


@own_journal
@require_http_methods(["GET", "POST"])
def session_before(request, grant, pk: int):
    """The pre-session checklist: neutral items the clinic set in admin (or the default)."""
    patient = grant.patient
    session = get_object_or_404(TreatmentSession.objects.for_patient(patient), pk=pk)
    who, items = checklist_for(patient)
    choices = [(item, item) for item in items]
    if request.method == "POST":
        form = ChecklistForm(request.POST, choices=choices)
        if form.is_valid():
            try:
                session_checklist_save(
                    patient=patient, session=session, ticked=form.cleaned_data["ticked"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Your checklist is saved.")
                return redirect("sessions")
    else:
        form = ChecklistForm(choices=choices, initial={"ticked": session.checklist_ticked})
    return render(
        request,
        "journal/session_before.html",
        {"form": form, "session": session, "who": who},
    )


# --- Medications ---


@own_journal
def medications(request, grant):
    rows = Medication.objects.for_patient(grant.patient).prefetch_related("changes")
    return render(request, "journal/medications.html", {"medications": rows})


@own_journal
@require_http_methods(["GET", "POST"])
def medication_add(request, grant):
    return _medication_form(request, grant.patient, None)


@own_journal
@require_http_methods(["GET", "POST"])
def medication_edit(request, grant, pk: int):
    medication = get_object_or_404(Medication.objects.for_patient(grant.patient), pk=pk)
    return _medication_form(request, grant.patient, medication)


def _medication_form(request, patient, medication):
    # Prefixed: both forms have a dose and a unit, and each field needs an id of its own.
    dose_form = DoseChangeForm(initial={"day": patient.today()}, prefix="change")
    if request.method == "POST" and "change_dose" in request.POST and medication is not None:
        form = MedicationForm(initial=MedicationForm.initial_from(medication))
        dose_form = DoseChangeForm(request.POST, prefix="change")
        if dose_form.is_valid():
            try:
                medication_dose_change(
                    patient=patient,
                    medication=medication,
                    day=dose_form.cleaned_data["day"],
                    dose=dose_form.cleaned_data["dose"],
                    unit=dose_form.cleaned_data["unit"].strip() or medication.unit,
                )
            except ValidationError as error:
                dose_form.add_error(None, error)
            else:
                messages.success(request, "The new dose is saved.")
                return redirect("medications")
    elif request.method == "POST":
        form = MedicationForm(request.POST)
        if form.is_valid():
            try:
                medication_save(patient=patient, data=form.to_data(), medication=medication)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Your medication is saved.")
                return redirect("medications")
    elif medication is not None:
        form = MedicationForm(initial=MedicationForm.initial_from(medication))
    else:
        form = MedicationForm(initial={"started_on": patient.today()})
    return render(
        request,
        "journal/medication_form.html",
        {"form": form, "dose_form": dose_form, "medication": medication},
    )


# --- Questionnaires ---


@own_journal
def questionnaires(request, grant):
    patient = grant.patient
    return render(
        request,
        "journal/questionnaires.html",
        {
            "statuses": selectors.questionnaires_due(patient=patient, today=patient.today()),
            "history": selectors.questionnaire_history(patient=patient),
        },
    )


@own_journal
@require_http_methods(["GET", "POST"])
def questionnaire_fill(request, grant, instrument: str):
    spec = SPECS.get(instrument)
    if spec is None:
        raise Http404
    patient = grant.patient
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
                    return _safety_flow(request, patient, source="questionnaire")
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


@own_journal
def safety_plan(request, grant):
    plan = SafetyPlan.objects.filter(patient=grant.patient).first()
    suggestions = [
        (suggestion, section_label(suggestion.section))
        for suggestion in care_teams().plan_suggestions(grant.patient)
    ]
    return render(
        request,
        "journal/safety_plan.html",
        {"plan": plan, "sections": plan_sections(plan), "suggestions": suggestions},
    )


@own_journal
@require_POST
def plan_suggestion_decide(request, grant, pk: int):
    """The patient accepts a care team's suggestion (it is added to their plan) or declines
    it (nothing changes). Only their own, undecided suggestions: anything else is a 404."""
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        raise Http404
    try:
        decided = care_teams().plan_suggestion_decide(
            grant.patient, pk, accept=decision == "accept"
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("safety_plan")
    if not decided:
        raise Http404
    messages.success(
        request,
        "Added to your safety plan. You can change it any time."
        if decision == "accept"
        else "Declined. Your plan is as it was.",
    )
    return redirect("safety_plan")


@own_journal
@require_http_methods(["GET", "POST"])
def safety_plan_edit(request, grant):
    plan = SafetyPlan.objects.filter(patient=grant.patient).first()
    form = SafetyPlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        safety_plan_save(
            patient=grant.patient,
            sections={name: form.cleaned_data[name] for name in SafetyPlan.SECTIONS},
        )
        messages.success(
            request, "Your safety plan is saved. It is one tap away under “Need help now?”."
        )
        return redirect("safety_plan")
    return render(request, "journal/safety_plan_edit.html", {"form": form})


# --- Trends ---


@own_journal
def trends(request, grant):
    """The patient's own trends: charts over a chosen range, and their warning cards (those
    that rested lately too)."""
    cards = warning_cards(patient=grant.patient, today=grant.patient.today(), history=True)
    return render(
        request,
        "journal/trends.html",
        {
            **trends_context(grant, request.GET.get("range")),
            "cards": cards.current,
            "rested_cards": cards.rested,
        },
    )


@own_journal
@require_POST
def safe_now(request, grant):
    """ "I'm safe now": the patient's cards about thoughts of self-harm rest (kept in their
    history; their care team still sees whether anyone reached out)."""
    if urgent_signals_safe_now(patient=grant.patient):
        messages.success(
            request,
            "Thank you for letting us know. If things change, “Need help now?” is at the top "
            "of every page.",
        )
    return redirect("trends" if request.POST.get("next") == "trends" else "home")


# --- Download your data ---

EXPORTS = {
    # format: (build from the grant and the posted choices, content type, file extension)
    "json": (lambda grant, post: export_json(grant), "application/json; charset=utf-8", "json"),
    "csv": (lambda grant, post: export_checkins_csv(grant), "text/csv; charset=utf-8", "csv"),
    "zip": (lambda grant, post: export_zip(grant), "application/zip", "zip"),
    "fhir": (
        lambda grant, post: export_fhir(grant, include_notes=post.get("include_notes") == "on"),
        FHIR_CONTENT_TYPE,
        "fhir.json",
    ),
}


# A POST, not a link: a download of someone's whole journal should never be started by a link
# preview or a prefetch, and never_cache keeps it out of every cache on the way. The password is
# asked again first (allauth, as for sharing): a session left open on a shared computer should
# not be enough to carry the whole journal away.
@own_journal
@reauthentication_required
@never_cache
@require_http_methods(["GET", "POST"])
def data_export(request, grant):
    if request.method == "POST":
        chosen = EXPORTS.get(request.POST.get("format", ""))
        if chosen is None:
            context = {"error": "Choose one of the downloads below."}
            return render(request, "journal/export.html", context, status=400)
        build, content_type, extension = chosen
        response = HttpResponse(build(grant, request.POST), content_type=content_type)
        filename = f"tideline-{grant.patient.today().isoformat()}.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(request, "journal/export.html")
