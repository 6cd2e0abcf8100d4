"""Safety plans made together: a team reads the plan a patient shares with it (Scope.SAFETY_PLAN,
off by default) and suggests additions; the patient accepts or declines each one. Nothing in
the plan changes without the patient: accepting is the patient's own request, and only then is
the text added (`journal.services.safety_plan_add`).

Stanley & Brown's Safety Planning Intervention is meant to be written with a clinician; this is
how that works when the plan lives in the patient's own journal.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from journal.access import Grant, Scope
from journal.care import PlanSuggestion as Waiting
from journal.models import SafetyPlan
from journal.services import safety_plan_add

from .access import shares_visible_to
from .models import PlanSuggestion, Share

TEAM_HISTORY_LIMIT = 50


@transaction.atomic
def plan_suggest(*, grant: Grant, section: str, text: str) -> PlanSuggestion:
    """A team member suggests an addition to one step of the grant's patient's plan."""
    grant.require(Scope.SAFETY_PLAN)
    text = text.strip()
    if section not in SafetyPlan.SECTIONS:
        raise ValidationError({"section": "Choose one of the seven steps."})
    if not text:
        raise ValidationError({"text": "Write what you suggest adding."})
    share = (
        shares_visible_to(grant.viewer)
        .covering(Scope.SAFETY_PLAN)
        .filter(patient=grant.patient)
        .select_related("team")
        .order_by("team__name")
        .first()
    )
    if share is None:  # the share ended between the door and here
        raise ValidationError("This patient no longer shares their safety plan with your team.")
    viewer = grant.viewer
    return PlanSuggestion.objects.create(
        patient=grant.patient,
        team=share.team,
        by=viewer,
        by_name=viewer.display_name or viewer.email,
        section=section,
        text=text,
    )


def team_suggestions(*, grant: Grant) -> list[PlanSuggestion]:
    """What the viewer's teams suggested for this patient, newest first, with what became of
    each. One query."""
    grant.require(Scope.SAFETY_PLAN)
    teams = shares_visible_to(grant.viewer).filter(patient=grant.patient).values("team")
    return list(
        PlanSuggestion.objects.filter(patient=grant.patient, team__in=teams)
        .select_related("team")
        .order_by("-created_at", "-pk")[:TEAM_HISTORY_LIMIT]
    )


def waiting_for(patient: User) -> list[Waiting]:
    """The patient's undecided suggestions, oldest first, from teams they still share their
    plan with (a team they stopped sharing with no longer suggests). One query."""
    teams = Share.objects.active().covering(Scope.SAFETY_PLAN).filter(patient=patient)
    return [
        Waiting(id=s.pk, team=s.team.name, section=s.section, text=s.text, at=s.created_at)
        for s in PlanSuggestion.objects.filter(
            patient=patient, status=PlanSuggestion.Status.PENDING, team__in=teams.values("team")
        )
        .select_related("team")
        .order_by("created_at", "pk")
    ]


@transaction.atomic
def plan_suggestion_decide(*, patient: User, suggestion_id: int, accept: bool) -> bool:
    """The patient's decision. Accepting adds the text to that step of their plan, in the same
    transaction; declining changes nothing in it. Decided once: False if it is not theirs or
    was decided already (a double submit)."""
    suggestion = (
        PlanSuggestion.objects.select_for_update()
        .filter(pk=suggestion_id, patient=patient, status=PlanSuggestion.Status.PENDING)
        .first()
    )
    if suggestion is None:
        return False
    if accept:
        safety_plan_add(patient=patient, section=suggestion.section, text=suggestion.text)
    suggestion.status = PlanSuggestion.Status.ACCEPTED if accept else PlanSuggestion.Status.DECLINED
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_at"])
    return True
