"""The safety flow: what happens the moment a patient reports thoughts of self-harm.

Triggered by a PHQ-9 item 9 answer above 0 or by "yes" to the check-in's self-harm question.
The patient sees crisis resources, their safety plan and their care team in the same response;
an urgent `Signal` is recorded (`journal.signals.urgent_signal_record`) and the care teams the
patient shares with are alerted. Nothing about it is ever put in an email, a log line or a URL.

The crisis lines are the person's country's (`journal.regions`), or the deployment's own.
"""

from dataclasses import dataclass, field

from .care import TeamContact, care_teams
from .models import SafetyPlan
from .regions import Line, Region, choices, region_for, suggested_country


@dataclass
class SafetyContext:
    region: Region
    teams: list[TeamContact] = field(default_factory=list)
    safety_plan: SafetyPlan | None = None
    suggested: str = ""  # a country the person's time zone suggests, if they chose none

    @property
    def crisis_lines(self) -> tuple[Line, ...]:
        return self.region.lines

    def as_template(self) -> dict:
        return {
            "crisis_lines": self.region.lines,
            "crisis_region": self.region.name,
            "region": self.region,
            "region_choices": choices(),
            "suggested_country": self.suggested,
            "care_teams": self.teams,
            "safety_plan": self.safety_plan,
            "sections": plan_sections(self.safety_plan),
        }


@dataclass(frozen=True)
class PlanSection:
    name: str
    label: str
    value: str


def plan_sections(plan: SafetyPlan | None) -> list[PlanSection]:
    """The seven Stanley-Brown steps in order, labelled "Step n: ...", for display and print.

    Stanley B, Brown GK. Safety Planning Intervention: a brief intervention to mitigate suicide
    risk. Cogn Behav Pract 2012;19(2):256-264.
    """
    if plan is None:
        return []
    return [
        PlanSection(name, section_label(name), getattr(plan, name)) for name in SafetyPlan.SECTIONS
    ]


def section_label(name: str) -> str:
    """ "Step 4: People I can ask for help"."""
    number = SafetyPlan.SECTIONS.index(name) + 1
    label = str(getattr(SafetyPlan._meta.get_field(name), "verbose_name", name))
    return f"Step {number}: {label[0].upper()}{label[1:]}"


def safety_context(person=None, *, chosen: str = "") -> SafetyContext:
    """Crisis lines for `person` (anyone, signed in or not; `chosen` on the help page wins),
    and for a signed-in patient: the care teams they actively share with (and each team's own
    crisis note) and their safety plan. Two queries at most."""
    signed_in = person is not None and person.is_authenticated
    context = SafetyContext(
        region=region_for(user=person if signed_in else None, chosen=chosen),
        suggested="" if chosen else suggested_country(person if signed_in else None),
    )
    if not signed_in or not person.is_patient:
        return context
    context.teams = care_teams().team_contacts(person)
    context.safety_plan = SafetyPlan.objects.filter(patient=person).first()
    return context
