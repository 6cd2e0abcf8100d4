"""A patient's own data, whole, to take with them: everything they wrote or chose in Tideline.

JSON holds all of it; CSV holds the daily check-ins, one row a day, for a spreadsheet. Both are
built from a fixed number of queries, whatever the length of the history, and go straight to
the patient's browser: nothing is written to disk, logged or emailed. Derived data (weekly
summaries, warning signals) is left out: it is computed from what is here.
"""

from __future__ import annotations

import csv
import io
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.utils import timezone

from journal.services import CHECKIN_VALUE_FIELDS

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
    from journal.models import Activity, CheckIn

    return (
        CheckIn.objects.for_patient(patient)
        .order_by("day")
        .prefetch_related(Prefetch("activities", queryset=Activity.objects.order_by("name")))
    )


def patient_export(patient) -> dict:
    """Everything the patient wrote or chose, as JSON-ready values, in about ten queries
    whatever the length of the history."""
    from careteam.models import Share
    from careteam.selectors import access_log_for_patient
    from journal.models import Activity, QuestionnaireResponse, SafetyPlan, TreatmentSession

    plan = SafetyPlan.objects.filter(patient=patient).first()
    shares = Share.objects.filter(patient=patient).select_related("team").order_by("created_at")
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
        "shares": [
            {
                "team": s.team.name,
                "trends_and_questionnaires": s.scope_trends,
                "notes_and_session_insights": s.scope_notes,
                "shared_at": s.created_at,
                "last_day": s.expires_on,
                "revoked_at": s.revoked_at,
            }
            for s in shares
        ],
        "who_viewed_my_data": [
            {
                "at": line.at,
                "who": line.who,
                "role": line.role,
                "teams": line.teams,
                "what": line.what,
                "allowed": line.allowed,
            }
            for line in access_log_for_patient(patient=patient, limit=None)
        ],
    }


def export_json(patient) -> str:
    return json.dumps(patient_export(patient), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


# A spreadsheet runs a cell that starts with one of these as a formula: a note reading
# "=HYPERLINK(...)" must stay text (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_checkins_csv(patient) -> str:
    """The daily check-ins, one row a day, activities joined by "; ". Two queries."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CHECKIN_FIELDS, "activities"])
    for c in _checkins(patient):
        writer.writerow(
            [
                *(_cell(getattr(c, name)) for name in CHECKIN_FIELDS),
                _cell("; ".join(a.name for a in c.activities.all())),
            ]
        )
    return out.getvalue()
