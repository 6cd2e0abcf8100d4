"""The safety flow: what happens the moment a patient reports thoughts of self-harm.

Triggered by a PHQ-9 item 9 answer above 0 or by "yes" to the check-in's self-harm question.
The patient sees crisis resources, their safety plan and their care team in the same response;
an urgent `Signal` is recorded and the care teams the patient shares with are alerted. Nothing
about it is ever put in an email, a log line or a URL.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from careteam.models import Share
from careteam.tasks import alert_care_teams_about_signal
from config.enqueue import enqueue_on_commit

from .crisis import CrisisLine, crisis_lines
from .models import SafetyPlan, Signal

URGENT_REASONS = {
    Signal.Kind.URGENT_ITEM9: (
        "On a PHQ-9, thoughts of being better off dead or of self-harm were reported. "
        "Please reach out to the patient today."
    ),
    Signal.Kind.URGENT_CHECKIN: (
        "In a daily check-in, thoughts of harming oneself were reported. "
        "Please reach out to the patient today."
    ),
}


@transaction.atomic
def urgent_signal_record(*, patient, kind: str, dedupe_key: str, started_on: dt.date) -> Signal:
    """Record an urgent signal once per (patient, kind, dedupe_key); idempotent.

    `dedupe_key` is the questionnaire response id (item 9) or the check-in day (check-in), so a
    re-save or a double submit finds the first row. The unique constraint decides a race: the
    loser's insert fails inside a savepoint and it reads the winner's row.
    """
    if kind not in Signal.URGENT_KINDS:
        raise ValueError("not an urgent signal kind")
    key = str(dedupe_key)
    existing = Signal.objects.filter(patient=patient, kind=kind, dedupe_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            signal = Signal.objects.create(
                patient=patient,
                kind=kind,
                dedupe_key=key,
                started_on=started_on,
                detected_at=timezone.now(),
                reason=URGENT_REASONS[kind],
            )
    except IntegrityError:
        return Signal.objects.get(patient=patient, kind=kind, dedupe_key=key)
    # Tell the care team now; the every-minute sweep (careteam.tasks.alert_new_signals) is the
    # safety net if the broker is down. The email carries no health data, only a link.
    enqueue_on_commit(alert_care_teams_about_signal, signal_id=signal.pk)
    return signal


@dataclass
class TeamContact:
    name: str
    crisis_note: str


@dataclass
class SafetyContext:
    crisis_lines: list[CrisisLine]
    crisis_region: str
    teams: list[TeamContact] = field(default_factory=list)
    safety_plan: SafetyPlan | None = None

    def as_template(self) -> dict:
        return {
            "crisis_lines": self.crisis_lines,
            "crisis_region": self.crisis_region,
            "care_teams": self.teams,
            "safety_plan": self.safety_plan,
            "sections": plan_sections(self.safety_plan),
        }


@dataclass(frozen=True)
class PlanSection:
    label: str
    value: str


def plan_sections(plan: SafetyPlan | None) -> list[PlanSection]:
    """The seven Stanley-Brown steps in order, labelled "Step n: ...", for display and print.

    Stanley B, Brown GK. Safety Planning Intervention: a brief intervention to mitigate suicide
    risk. Cogn Behav Pract 2012;19(2):256-264.
    """
    if plan is None:
        return []
    sections = []
    for number, name in enumerate(SafetyPlan.SECTIONS, start=1):
        label = str(SafetyPlan._meta.get_field(name).verbose_name)
        sections.append(
            PlanSection(f"Step {number}: {label[0].upper()}{label[1:]}", getattr(plan, name))
        )
    return sections


def safety_context(patient=None) -> SafetyContext:
    """Crisis lines, and for a signed-in patient: the care teams they actively share with (and
    each team's own crisis note) and their safety plan. Two queries at most."""
    context = SafetyContext(crisis_lines=crisis_lines(), crisis_region=settings.CRISIS_REGION)
    if patient is None or not patient.is_authenticated or not patient.is_patient:
        return context
    shares = Share.objects.active().filter(patient=patient).select_related("team")
    context.teams = [TeamContact(s.team.name, s.team.crisis_note) for s in shares]
    context.safety_plan = SafetyPlan.objects.filter(patient=patient).first()
    return context
