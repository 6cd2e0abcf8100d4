"""Invitations: a team admin invites a colleague by email, or hands one patient a single-use link.

Single-use and expiring; only a hash of the token is stored, so a database leak is not a key.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.emails import build_message
from accounts.models import User
from journal.access import Scope

from .models import CareTeam, Invitation, Membership, Share
from .services import is_team_admin, share_connect

logger = logging.getLogger(__name__)

MEMBER_INVITATION_DAYS = 7
PATIENT_INVITATION_DAYS = 14
# A second "Send invitation" for the same address this soon is a double submit, not a resend.
DOUBLE_SUBMIT_WINDOW = dt.timedelta(minutes=1)
# Where a signed-out invitee's token waits while they sign up (careteam/wiring.py reads it).
MEMBER_INVITATION_SESSION_KEY = "careteam_member_invitation"


def _invitation_create(*, team: CareTeam, kind: str, created_by, email="", role="", days: int):
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        team=team,
        kind=kind,
        email=email.lower(),
        role=role,
        token_hash=Invitation.hash_token(token),
        created_by=created_by,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    return invitation, token


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("careteam:invitation", kwargs={"token": token})


@transaction.atomic
def member_invite(*, team: CareTeam, inviter: User, email: str, role: str) -> Invitation:
    """A team admin invites a colleague by email. The email is sent from inside the transaction:
    if it cannot be sent, no invitation is left behind that nobody received."""
    if not is_team_admin(user=inviter, team_id=team.pk):
        raise ValidationError("Only a team admin can invite members.")
    if Membership.objects.filter(team=team, user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already a member of the team."})
    # Serialise invitations per team, so a double-clicked "Send" is seen by the second request.
    CareTeam.objects.select_for_update().filter(pk=team.pk).first()
    just_sent = Invitation.objects.filter(
        team=team,
        kind=Invitation.Kind.MEMBER,
        email=email.lower(),
        used_at__isnull=True,
        created_at__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW,
    ).first()
    if just_sent is not None:
        return just_sent
    invitation, token = _invitation_create(
        team=team,
        kind=Invitation.Kind.MEMBER,
        created_by=inviter,
        email=email,
        role=role,
        days=MEMBER_INVITATION_DAYS,
    )
    # Not deliver_once: the invitee has no account yet, and this row is the record of the send.
    build_message(
        to=invitation.email,
        name="care_invitation",
        context={
            "team_name": team.name,
            "accept_url": invitation_url(token),
            "expires_at": invitation.expires_at,
        },
    ).send()
    logger.info("sent care_invitation for invitation %s", invitation.pk)
    return invitation


@transaction.atomic
def patient_invitation_create(*, team: CareTeam, inviter: User) -> tuple[Invitation, str]:
    """A single-use link a team admin hands to one patient. The token is shown once."""
    if not is_team_admin(user=inviter, team_id=team.pk):
        raise ValidationError("Only a team admin can create invitation links.")
    return _invitation_create(
        team=team, kind=Invitation.Kind.PATIENT, created_by=inviter, days=PATIENT_INVITATION_DAYS
    )


def invitation_for_token(token: str) -> Invitation | None:
    """The usable invitation for this token, or None (unknown, used or expired look the same)."""
    invitation = (
        Invitation.objects.select_related("team")
        .filter(token_hash=Invitation.hash_token(token or ""))
        .first()
    )
    if invitation is None or not invitation.is_usable():
        return None
    return invitation


# Said to whoever holds a member invitation while signed in (or signing up) with another address.
# It names no address: the link may have been forwarded, or tried by someone who should not
# learn whom the team is inviting. The real invitee knows where the email came.
WRONG_ADDRESS = (
    "This invitation was sent to a different email address than the one you're using. "
    "Log out, then open the link again and sign in or create an account with the address "
    "the invitation was sent to, or ask the team admin to invite this address instead."
)


def invitation_is_for(invitation: Invitation, email: str) -> bool:
    """Whether a member invitation was sent to `email` (without regard to case): the address
    it went to is the only proof the link reached the right person, so every path that spends
    one checks it."""
    return invitation.email.strip().lower() == (email or "").strip().lower()


def _invitation_claim(*, token: str, kind: str, email: str | None = None) -> Invitation:
    """Spend the invitation (row-locked, so two tabs cannot both use it). With `email`, only if
    it was sent to that address: a refusal leaves it unspent for the person it was meant for."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("team")
        .filter(token_hash=Invitation.hash_token(token or ""), kind=kind)
        .first()
    )
    if invitation is None or not invitation.is_usable():
        raise ValidationError(
            "This invitation has expired or was already used. Ask the team for a new one."
        )
    if email is not None and not invitation_is_for(invitation, email):
        raise ValidationError(WRONG_ADDRESS)
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    return invitation


@transaction.atomic
def invitation_accept_member(*, token: str, user: User) -> Membership:
    """A care-team account joins the team named by a member invitation sent to its own address.
    Single use; refused, and left unspent, for anyone else: a signed-in clinician of another
    clinic must never become a member (or admin) of this team. A signed-in account's address
    was verified before it could sign in; a new account's is verified before it can (email
    verification is mandatory), so the address is proof enough on both paths."""
    if not user.is_care_member:
        raise ValidationError(
            "This invitation is for a care-team account. Sign out and create one with the "
            "address the invitation was sent to."
        )
    invitation = _invitation_claim(token=token, kind=Invitation.Kind.MEMBER, email=user.email)
    membership, _ = Membership.objects.get_or_create(
        team=invitation.team, user=user, defaults={"role": invitation.role}
    )
    return membership


@transaction.atomic
def invitation_accept_patient(
    *,
    token: str,
    patient: User,
    scope: Scope = Scope.TRENDS,
    expires_on: dt.date | None = None,
) -> Share:
    invitation = _invitation_claim(token=token, kind=Invitation.Kind.PATIENT)
    return share_connect(patient=patient, team=invitation.team, scope=scope, expires_on=expires_on)


def member_invitation_for_signup(*, token: str, email: str) -> Invitation | None:
    """The member invitation a signup with `email` may use, if the token is good for it."""
    invitation = invitation_for_token(token)
    if (
        invitation is None
        or invitation.kind != Invitation.Kind.MEMBER
        or not invitation_is_for(invitation, email)
    ):
        return None
    return invitation
