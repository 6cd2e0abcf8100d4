"""The safety flow: what happens the moment a patient reports thoughts of self-harm.

Triggered by a PHQ-9 item 9 answer above 0 or by "yes" to the check-in's self-harm question.
The patient sees crisis resources, their safety plan and their care team in the same response;
an urgent `Signal` is recorded (`journal.signals.urgent_signal_record`) and the care teams the
patient shares with are alerted. Nothing about it is ever put in an email, a log line or a URL.
"""

from dataclasses import dataclass, field

from django.conf import settings

from .care import TeamContact, care_teams
from .crisis import CrisisLine, crisis_lines
from .models import SafetyPlan


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
        field = SafetyPlan._meta.get_field(name)
        label = str(getattr(field, "verbose_name", name))
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
    context.teams = care_teams().team_contacts(patient)
    context.safety_plan = SafetyPlan.objects.filter(patient=patient).first()
    return context
