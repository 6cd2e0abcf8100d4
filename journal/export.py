"""A patient's own data, whole, to take with them: everything they wrote or chose in Tideline.

JSON holds all of it; CSV holds the daily check-ins, one row a day, for a spreadsheet. Both are
built from a fixed number of queries, whatever the length of the history, and go straight to
the patient's browser: nothing is written to disk, logged or emailed. Derived data (weekly
summaries, warning signals) is left out: it is computed from what is here.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.utils import timezone

from .access import EVERYTHING, Grant
from .care import care_teams
from .export_zip import checkins_table, table_csv
from .models import (
    Activity,
    CheckIn,
    Course,
    Medication,
    QuestionnaireResponse,
    SafetyPlan,
    SessionCheck,
    TreatmentSession,
)
from .services import CHECKIN_VALUE_FIELDS

EXPORT_FORMAT = "tideline-export/1"

# A check-in's own values, in the order a person reads them, with its day first.
CHECKIN_FIELDS = ("day", *CHECKIN_VALUE_FIELDS)
SESSION_FIELDS = (
    "day",
    "started_at",
    "kind",
    "dose",
    "provider",
    "intention",
    "insights",
)
QUESTIONNAIRE_FIELDS = ("day", "submitted_at", "instrument", "answers", "total", "band")
ACCOUNT_FIELDS = (
    "email",
    "display_name",
    "time_zone",
    "date_joined",
    "reminder_enabled",
    "reminder_time",
    "questionnaire_reminder_enabled",
    "weekly_email_enabled",
    "integration_reminders_enabled",
)


def _checkins(patient):
    return (
        CheckIn.objects.for_patient(patient)
        .order_by("day")
        .prefetch_related(Prefetch("activities", queryset=Activity.objects.order_by("name")))
    )


def patient_export(grant: Grant) -> dict:
    """Everything the patient wrote or chose, as JSON-ready values, in about ten queries
    whatever the length of the history. Only ever the patient's own: the grant must be theirs
    and cover everything."""
    if not grant.is_own:
        raise PermissionError("only a patient exports their own journal")
    grant.require(EVERYTHING)
    patient = grant.patient
    plan = SafetyPlan.objects.filter(patient=patient).first()
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "account": {name: getattr(patient, name) for name in ACCOUNT_FIELDS},
        "check_ins": [
            {
                **{name: getattr(c, name) for name in CHECKIN_FIELDS},
                "activities": [a.name for a in c.activities.all()],
            }
            for c in _checkins(patient)
        ],
        "own_activities": list(
            Activity.objects.filter(owner=patient).order_by("name").values_list("name", flat=True)
        ),
        "treatment_sessions": list(
            TreatmentSession.objects.for_patient(patient)
            .order_by("started_at")
            .values(*SESSION_FIELDS)
        ),
        "treatment_courses": list(
            Course.objects.for_patient(patient)
            .order_by("started_on", "pk")
            .values("kind", "medication", "route", "started_on", "planned_sessions", "ended_on")
        ),
        "session_checks": list(
            SessionCheck.objects.filter(patient=patient)
            .order_by("session__started_at", "moment")
            .values(
                "session__started_at",
                "moment",
                "felt",
                "effects",
                "bp_before_systolic",
                "bp_before_diastolic",
                "bp_after_systolic",
                "bp_after_diastolic",
                "saved_at",
                # Empty for the patient's own; a team entry names the team and the member.
                "entered_by_team",
                "entered_by_name",
            )
        ),
        "medications": [
            {
                **{
                    name: getattr(m, name)
                    for name in ("name", "dose", "unit", "how_often", "started_on", "stopped_on")
                },
                "dose_changes": [
                    {"day": c.day, "dose": c.dose, "unit": c.unit} for c in m.changes.all()
                ],
            }
            for m in Medication.objects.for_patient(patient)
            .order_by("started_on", "pk")
            .prefetch_related("changes")
        ],
        "questionnaires": list(
            QuestionnaireResponse.objects.for_patient(patient)
            .order_by("day", "submitted_at")
            .values(*QUESTIONNAIRE_FIELDS)
        ),
        "safety_plan": (
            {name: getattr(plan, name) for name in (*SafetyPlan.SECTIONS, "updated_at")}
            if plan
            else None
        ),
        # Their shares and who viewed their data, from the care-team app.
        **care_teams().export_sections(patient),
    }


def export_json(grant: Grant) -> str:
    return json.dumps(patient_export(grant), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


def export_checkins_csv(grant: Grant) -> str:
    """The daily check-ins, one row a day, activities joined by "; " (the same file as
    checkins.csv in the full ZIP, which the import reads back). Two queries."""
    if not grant.is_own:
        raise PermissionError("only a patient exports their own journal")
    return table_csv(checkins_table(grant.patient))
