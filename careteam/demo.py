"""The demo care team for a newcomer's first look (called from `seed_demo`, DEBUG runs only)."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from journal.access import Scope

from .models import CareTeam, Membership, Share

DEMO_TEAM_NAME = "Harbour Clinic"
DEMO_JOIN_CODE = "HARBOUR1"


@transaction.atomic
def seed_care_team(patient: User, clinician: User) -> CareTeam:
    """Harbour Clinic, with the demo clinician as team admin and an active share from the demo
    patient (trends on, notes off). Idempotent: running it again changes nothing."""
    team, _ = CareTeam.objects.get_or_create(
        join_code=DEMO_JOIN_CODE, defaults={"name": DEMO_TEAM_NAME}
    )
    Membership.objects.get_or_create(
        team=team, user=clinician, defaults={"role": Membership.Role.TEAM_ADMIN}
    )
    if not Share.objects.active().filter(patient=patient, team=team).exists():
        # Past its end date: close it (consent rows are history, never deleted) and share anew.
        Share.objects.filter(patient=patient, team=team, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        Share.objects.create(patient=patient, team=team, scope=Scope.TRENDS)
    return team
