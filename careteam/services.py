"""Writes for care teams: the patient's consent (shares), invitations, acknowledgements, alerts.

Each function is keyword-only and does its work in one transaction. Views, admin and tasks call
these; none of them writes a share, an invitation or a membership any other way.
"""

import datetime as dt
import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from accounts.emails import build_message, deliver_once
from accounts.models import EmailDelivery, User
from journal.models import Signal

from .models import CareTeam, Invitation, Membership, Share

logger = logging.getLogger(__name__)

MEMBER_INVITATION_DAYS = 7
PATIENT_INVITATION_DAYS = 14
# A second "Send invitation" for the same address this soon is a double submit, not a resend.
DOUBLE_SUBMIT_WINDOW = dt.timedelta(minutes=1)

# Signals that reach the care team by email: thoughts of self-harm (now) and a sustained slide.
ALERT_KINDS = (
    Signal.Kind.URGENT_ITEM9,
    Signal.Kind.URGENT_CHECKIN,
    Signal.Kind.SUSTAINED_SLIDE,
)
ALERT_EMAIL_KIND = "care_alert"
# The sweep looks this far back: long enough to cover a broker outage, short enough that an
# old signal never produces a surprising email after a restore.
ALERT_SWEEP_WINDOW = dt.timedelta(days=1)


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


def share_widens(*, share: Share, scope_trends: bool, scope_notes: bool, expires_on) -> bool:
    """True if the change lets the team see more, or for longer: that needs reauthentication."""
    if scope_trends and not share.scope_trends:
        return True
    if scope_notes and not share.scope_notes:
        return True
    # A later end date, or none, shares for longer.
    return share.expires_on is not None and (expires_on is None or expires_on > share.expires_on)


def share_ends_follow_time_zone(*, patient) -> int:
    """After the patient's time zone changed: each current share with a last day ends at that
    day's midnight in the new zone. Returns how many shares moved."""
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


@transaction.atomic
def share_connect(
    *,
    patient: User,
    team: CareTeam,
    scope_trends: bool = True,
    scope_notes: bool = False,
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
        current.scope_trends = scope_trends
        current.scope_notes = scope_notes
        current.expires_on = expires_on
        current.save(update_fields=["scope_trends", "scope_notes", "expires_on", "updated_at"])
        return current
    try:
        with transaction.atomic():
            return Share.objects.create(
                patient=patient,
                team=team,
                scope_trends=scope_trends,
                scope_notes=scope_notes,
                expires_on=expires_on,
            )
    except IntegrityError:  # a concurrent double submit created it first
        return Share.objects.get(patient=patient, team=team, revoked_at__isnull=True)


def share_connect_by_code(
    *,
    patient: User,
    code: str,
    scope_trends: bool = True,
    scope_notes: bool = False,
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
    return share_connect(
        patient=patient,
        team=team,
        scope_trends=scope_trends,
        scope_notes=scope_notes,
        expires_on=expires_on,
    )


@transaction.atomic
def share_update(
    *,
    patient: User,
    share_id: int,
    scope_trends: bool,
    scope_notes: bool,
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
    share.scope_trends = scope_trends
    share.scope_notes = scope_notes
    share.expires_on = expires_on
    share.save(update_fields=["scope_trends", "scope_notes", "expires_on", "updated_at"])
    return share


def share_revoke(*, patient: User, share_id: int) -> bool:
    """Stop sharing now. One conditional UPDATE: safe to repeat, True if this call ended it."""
    return bool(
        Share.objects.filter(pk=share_id, patient=patient, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), updated_at=timezone.now()
        )
    )


# --- Invitations -------------------------------------------------------------------------------


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


def _invitation_claim(*, token: str, kind: str) -> Invitation:
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
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    return invitation


@transaction.atomic
def invitation_accept_member(*, token: str, user: User) -> Membership:
    """A care-team account joins the team named by a member invitation. Single use."""
    if not user.is_care_member:
        raise ValidationError(
            "This invitation is for a care-team account. Sign out and create one with the "
            "address the invitation was sent to."
        )
    invitation = _invitation_claim(token=token, kind=Invitation.Kind.MEMBER)
    membership, _ = Membership.objects.get_or_create(
        team=invitation.team, user=user, defaults={"role": invitation.role}
    )
    return membership


@transaction.atomic
def invitation_accept_patient(
    *,
    token: str,
    patient: User,
    scope_trends: bool = True,
    scope_notes: bool = False,
    expires_on: dt.date | None = None,
) -> Share:
    invitation = _invitation_claim(token=token, kind=Invitation.Kind.PATIENT)
    return share_connect(
        patient=patient,
        team=invitation.team,
        scope_trends=scope_trends,
        scope_notes=scope_notes,
        expires_on=expires_on,
    )


def member_invitation_for_signup(*, token: str, email: str) -> Invitation | None:
    """The member invitation a signup with `email` may use, if the token is good for it."""
    invitation = invitation_for_token(token)
    if (
        invitation is None
        or invitation.kind != Invitation.Kind.MEMBER
        or invitation.email.lower() != (email or "").lower()
    ):
        return None
    return invitation


# --- Signals seen by the team ------------------------------------------------------------------


def signal_acknowledge(*, patient: User, signal_id: int, by: User) -> bool:
    """Record that a team member has seen this signal. First acknowledgement wins; True if new."""
    return bool(
        Signal.objects.filter(pk=signal_id, patient=patient, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now(), acknowledged_by=by
        )
    )


# --- Alerts ------------------------------------------------------------------------------------


def _alertable_shares(patient_ref):
    # A signal is derived from the trends scope; a team that was not given trends gets no alert.
    return Share.objects.active().filter(patient=patient_ref, scope_trends=True)


def care_alert_recipients(*, patient_id: int):
    """Active members of every team this patient shares trends with, each once."""
    return (
        User.objects.filter(
            is_active=True,
            role=User.Role.CARE,
            memberships__team__in=_alertable_shares(patient_id).values("team"),
        )
        .distinct()
        .order_by("pk")
    )


def alert_period(signal_id: int) -> str:
    return f"signal-{signal_id}"


def care_alert_send(*, signal_id: int) -> int:
    """Email each team member about this signal, once per (member, signal). Returns how many
    emails this call sent. The email says only that someone may need a check-in."""
    signal = Signal.objects.filter(pk=signal_id, kind__in=ALERT_KINDS).first()
    if signal is None:
        return 0
    context = {"dashboard_url": settings.SITE_URL + reverse("careteam:dashboard")}
    sent = 0
    recipients = list(care_alert_recipients(patient_id=signal.patient_id))
    if not recipients:
        return 0
    with get_connection() as connection:  # one SMTP session for the whole team
        for member in recipients:
            sent += deliver_once(
                recipient=member,
                kind=ALERT_EMAIL_KIND,
                period=alert_period(signal.pk),
                name="care_alert",
                context=context,
                connection=connection,
            )
    return sent


def signals_missing_alerts(*, now=None):
    """Ids of recent alert-worthy signals with at least one team member not yet emailed.

    One query: a correlated EXISTS over memberships of teams with an active trends share, each
    without a sent delivery for this signal.
    """
    now = now or timezone.now()
    sent_to_member = EmailDelivery.objects.filter(
        recipient=OuterRef("user"),
        kind=ALERT_EMAIL_KIND,
        period=OuterRef(OuterRef("alert_period")),
        status__in=[EmailDelivery.Status.SENT, EmailDelivery.Status.FAILED],
    )
    unsent_member = Membership.objects.filter(
        Q(user__is_active=True, user__role=User.Role.CARE),
        team__in=Share.objects.active(now=now)
        .filter(patient=OuterRef(OuterRef("patient")), scope_trends=True)
        .values("team"),
    ).filter(~Exists(sent_to_member))
    return (
        Signal.objects.filter(kind__in=ALERT_KINDS, detected_at__gte=now - ALERT_SWEEP_WINDOW)
        .annotate(alert_period=Concat(Value("signal-"), Cast("id", CharField())))
        .filter(Exists(unsent_member))
        .order_by("detected_at")
        .values_list("pk", flat=True)
    )
