"""Writes for care teams: teams, the patient's consent (shares) and acknowledgements.

Each function is keyword-only and does its work in one transaction. Views, admin and tasks call
these; none of them writes a share or a membership any other way. Invitations and alert emails
have modules of their own (`invitations.py`, `alerts.py`).
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from config import private_cache
from journal.access import Scope
from journal.models import Signal

from .models import SHARE_END_MAX_DAYS, SHARE_END_TOO_FAR, CareTeam, Membership, Share

# --- Teams -----------------------------------------------------------------------------------


def join_code_normalize(code: str) -> str:
    """What a person types ("harb-7k2m ") to what we store ("HARB7K2M")."""
    return re.sub(r"[\s-]", "", code or "").upper()


def team_join_code_generate() -> str:
    """A fresh join code no team has (the unique constraint backs the check)."""
    while True:
        code = CareTeam.new_join_code()
        if not CareTeam.objects.filter(join_code=code).exists():
            return code


def is_team_admin(*, user, team_id: int) -> bool:
    return Membership.objects.filter(
        team_id=team_id, user=user, role=Membership.Role.TEAM_ADMIN
    ).exists()


# --- Shares: the patient's consent -------------------------------------------------------------


def share_widens(*, share: Share, scope: Scope, expires_on: dt.date | None) -> bool:
    """True if the change lets the team see more, or for longer: that needs reauthentication."""
    if scope & ~share.scope:
        return True
    # A later end date, or none, shares for longer.
    return share.expires_on is not None and (expires_on is None or expires_on > share.expires_on)


def share_ends_follow_time_zone(*, patient: User) -> int:
    """After the patient's time zone changed (`accounts.events.time_zone_changed`): each current
    share with a last day ends at that day's midnight in the new zone. Returns how many moved."""
    shares = list(Share.objects.active().filter(patient=patient, expires_on__isnull=False))
    for share in shares:
        share.patient = patient  # the new time zone, not a stale copy
        share.save(update_fields=["expires_on"])
    return len(shares)


def _validate_end_date(*, patient: User, expires_on) -> None:
    if expires_on is not None and expires_on < patient.today():
        raise ValidationError(
            {
                "expires_on": "Choose today or a later date, or leave it empty to share "
                "until you stop."
            }
        )
    if expires_on is not None and expires_on > patient.today() + dt.timedelta(
        days=SHARE_END_MAX_DAYS
    ):
        raise ValidationError({"expires_on": SHARE_END_TOO_FAR})


@transaction.atomic
def share_connect(
    *,
    patient: User,
    team: CareTeam,
    scope: Scope = Scope.TRENDS,
    expires_on: dt.date | None = None,
) -> Share:
    """Share with `team` in this scope. Connecting again (a double submit, a second link) sets
    the scope on the one active share instead of making a second."""
    if not patient.is_patient:
        raise ValidationError("Only a patient account can share a journal.")
    _validate_end_date(patient=patient, expires_on=expires_on)
    current = (
        Share.objects.select_for_update()
        .filter(patient=patient, team=team, revoked_at__isnull=True)
        .first()
    )
    if current is not None and not Share.objects.active().filter(pk=current.pk).exists():
        # Past its end date: close it, so the new consent is a new row with its own dates.
        Share.objects.filter(pk=current.pk).update(revoked_at=timezone.now())
        current = None
    if current is not None:
        current.scope = scope
        current.expires_on = expires_on
        current.save(update_fields=["scope", "expires_on", "updated_at"])
        return current
    try:
        with transaction.atomic():
            return Share.objects.create(
                patient=patient, team=team, scope=scope, expires_on=expires_on
            )
    except IntegrityError:  # a concurrent double submit created it first
        return Share.objects.get(patient=patient, team=team, revoked_at__isnull=True)


def share_connect_by_code(
    *,
    patient: User,
    code: str,
    scope: Scope = Scope.TRENDS,
    expires_on: dt.date | None = None,
) -> Share:
    team = CareTeam.objects.filter(join_code=join_code_normalize(code)).first()
    if team is None:
        raise ValidationError(
            {
                "code": "We couldn't find a care team with that code. Check the code with your "
                "clinic; it has 8 letters and numbers."
            }
        )
    return share_connect(patient=patient, team=team, scope=scope, expires_on=expires_on)


@transaction.atomic
def share_update(
    *,
    patient: User,
    share_id: int,
    scope: Scope,
    expires_on: dt.date | None,
) -> Share:
    """Change what an active share covers. Takes effect on the team's very next request: access
    is decided from this row on every request, nothing is cached."""
    share = (
        Share.objects.active()
        .select_for_update()
        .filter(pk=share_id, patient=patient)
        .select_related("team")
        .first()
    )
    if share is None:
        raise ValidationError("This sharing has already ended.")
    _validate_end_date(patient=patient, expires_on=expires_on)
    share.scope = scope
    share.expires_on = expires_on
    share.save(update_fields=["scope", "expires_on", "updated_at"])
    return share


def share_revoke(*, patient: User, share_id: int) -> bool:
    """Stop sharing now. One conditional UPDATE: safe to repeat, True if this call ended it.
    The patient's cached charts go too (config/private_cache.py): nothing built while the team
    could look outlives the share, and the patient's next visit builds them afresh."""
    ended = bool(
        Share.objects.filter(pk=share_id, patient=patient, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), updated_at=timezone.now()
        )
    )
    transaction.on_commit(lambda: private_cache.purge(patient.pk))
    return ended


# --- Signals seen by the team ------------------------------------------------------------------


def signal_acknowledge(*, patient: User, signal_id: int, by: User) -> bool:
    """Record that a team member has seen this signal. First acknowledgement wins; True if new."""
    return bool(
        Signal.objects.filter(pk=signal_id, patient=patient, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now(), acknowledged_by=by
        )
    )
