"""Reaching out: how a patient may be reached (their consent and their details), and the
team's record of each time someone reached out.

- The patient types a phone number and/or an email (`contact_details_save`) and ticks "How to
  reach me" on a share (Scope.CONTACT, off by default). A team sees the details only through
  a grant covering that scope (`contact_for`); unticking it, or clearing the details, ends it
  on the team's next page.
- Any member of a team the patient shares trends with can record an outreach
  (`outreach_record`): when, how, the outcome from a short list, and an optional note for the
  team only. Records are append-only (careteam.models.Outreach), and the look is on the
  patient's access log ("outreach").
- The patient's warning cards read each record without its note ("your team at ... called
  you on ...") through the journal's port (`follow_up`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import User
from journal.access import Grant, Scope
from journal.care import FollowUp, OutreachSeen
from journal.models import Signal

from .access import shares_visible_to
from .models import ContactDetails, Membership, Outreach, Share

# What a phone number may hold besides digits: what people type between them.
PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ().\-]+$")
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 6, 15  # 15: the longest number E.164 allows
# An outreach may be recorded for up to this long afterwards (a busy week), never ahead.
RECORD_BACK = dt.timedelta(days=30)
RECORD_AHEAD = dt.timedelta(minutes=5)  # clocks differ a little
FOLLOW_UP_DAYS = 90
TEAM_HISTORY_LIMIT = 50


# --- The patient's details and consent ---------------------------------------------------------


def phone_clean(value: str) -> str:
    """A phone number as the patient typed it, checked: digits and the usual separators, 6 to
    15 digits. Kept as typed, so it reads as the patient wrote it."""
    value = " ".join((value or "").split())
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if not PHONE_CHARACTERS.match(value) or not (
        PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS
    ):
        raise ValidationError(
            {
                "phone": "Enter a phone number with its area code, using digits (spaces, "
                "dashes and a leading + are fine), for example +44 7700 900123."
            }
        )
    return value


@transaction.atomic
def contact_details_save(*, patient: User, phone: str, email: str) -> ContactDetails | None:
    """Set how the patient's care teams may reach them. Both empty removes the details (teams
    with "How to reach me" then see that none are given). Returns the row, or None."""
    if not patient.is_patient:
        raise ValidationError("Only a patient account has contact details for a care team.")
    phone = phone_clean(phone)
    email = (email or "").strip()
    if not phone and not email:
        ContactDetails.objects.filter(patient=patient).delete()
        return None
    details, _ = ContactDetails.objects.update_or_create(
        patient=patient, defaults={"phone": phone, "email": email}
    )
    return details


def contact_for(*, grant: Grant) -> ContactDetails | None:
    """The patient's contact details, for a viewer whose grant covers "How to reach me"."""
    grant.require(Scope.CONTACT)
    return ContactDetails.objects.filter(patient=grant.patient).first()


# --- Recording an outreach -----------------------------------------------------------------------


def _team_for(grant: Grant):
    """The viewer's team the record belongs to: the first, by name, of their teams the patient
    shares trends with now."""
    share = (
        shares_visible_to(grant.viewer)
        .covering(Scope.TRENDS)
        .filter(patient=grant.patient)
        .select_related("team")
        .order_by("team__name")
        .first()
    )
    if share is None:  # the share ended between the door and here
        raise ValidationError("This patient no longer shares their trends with your team.")
    return share.team


@transaction.atomic
def outreach_record(
    *, grant: Grant, at: dt.datetime, how: str, outcome: str, note: str = ""
) -> Outreach:
    """Record that the grant's viewer reached out to its patient. Needs the trends scope (the
    one warning signs come with). Recording it also marks the patient's open urgent warnings
    as seen, if no one had: someone who called has seen them."""
    grant.require(Scope.TRENDS)
    now = timezone.now()
    if at > now + RECORD_AHEAD:
        raise ValidationError({"at": "That time hasn't come yet. Record an outreach after it."})
    if at < now - RECORD_BACK:
        raise ValidationError({"at": "Choose a time in the last 30 days."})
    if at.replace(second=0, microsecond=0) == now.replace(second=0, microsecond=0):
        # "Now", as the form offers it, to the minute: keep the very moment, so a report that
        # comes a few seconds after the call is not taken as answered by it.
        at = now
    if how not in Outreach.How.values or outcome not in Outreach.Outcome.values:
        raise ValidationError("Choose how you reached out and what came of it from the lists.")
    viewer = grant.viewer
    record = Outreach.objects.create(
        patient=grant.patient,
        team=_team_for(grant),
        by=viewer,
        by_name=viewer.display_name or viewer.email,
        at=at,
        how=how,
        outcome=outcome,
        note=note.strip(),
    )
    Signal.objects.filter(
        patient=grant.patient,
        kind__in=Signal.URGENT_KINDS,
        resolved_at__isnull=True,
        acknowledged_at__isnull=True,
    ).update(acknowledged_at=now, acknowledged_by=viewer)
    return record


def answers(outreach_at: dt.datetime, reported_at: dt.datetime) -> bool:
    """Whether an outreach came after a report (and so acted on it)."""
    return outreach_at >= reported_at


def team_outreach(*, grant: Grant) -> list[Outreach]:
    """The outreach records of the viewer's teams for the grant's patient, newest first, notes
    included: what the team's patient page lists. One query."""
    grant.require(Scope.TRENDS)
    teams = shares_visible_to(grant.viewer).filter(patient=grant.patient).values("team")
    return list(
        Outreach.objects.filter(patient=grant.patient, team__in=teams)
        .select_related("team")
        .order_by("-at", "-pk")[:TEAM_HISTORY_LIMIT]
    )


# --- What the patient's cards say ---------------------------------------------------------------


def follow_up(patient: User) -> FollowUp:
    """The teams that see the patient's warning signs (an active share with trends), and each
    outreach of the last 90 days by any team, in the patient's words and without the notes.
    Two queries."""
    teams = list(
        Share.objects.active()
        .covering(Scope.TRENDS)
        .filter(patient=patient)
        .order_by("team__name")
        .values_list("team__name", flat=True)
        .distinct()
    )
    since = timezone.now() - dt.timedelta(days=FOLLOW_UP_DAYS)
    records = (
        Outreach.objects.filter(patient=patient, at__gte=since)
        .select_related("team")
        .only("at", "how", "outcome", "team__name")
        .order_by("-at", "-pk")
    )
    return FollowUp(
        teams_told=teams,
        outreach=[OutreachSeen(at=o.at, team=o.team.name, words=o.patient_words) for o in records],
    )


@dataclass(frozen=True)
class UrgentFlag:
    """Thoughts of self-harm, as a care team's dashboard flags them for one patient."""

    since: dt.datetime  # when first raised
    still_open: bool  # False: the patient has since said they are safe (no one acted yet)
    acted_at: dt.datetime | None = None  # the viewer's teams' latest outreach since the report
    acted_by: str = ""
    acted_outcome: str = ""


def urgent_flags(*, viewer: User, shares) -> dict[int, UrgentFlag]:
    """The urgent flags among the patients of `shares` (the viewer's trends-scope shares):
    an open card about thoughts of self-harm, or one the patient rested by saying they are
    safe in the last SIGNAL_CALM_DAYS days that no one on the viewer's teams acted on since;
    with when it was raised and the outreach that answered it, if any.

    One query for the cards (few rows: only patients with such a card) and, when there are
    any, one for the latest outreach of the viewer's teams to those patients.
    """
    now = timezone.now()
    cards = Signal.objects.filter(
        Q(resolved_at__isnull=True)
        | Q(
            resolution=Signal.Resolution.SAFE_NOW,
            resolved_at__gte=now - dt.timedelta(days=settings.SIGNAL_CALM_DAYS),
        ),
        kind__in=Signal.URGENT_KINDS,
        patient_id__in=shares.values("patient_id"),
    ).values_list("patient_id", "detected_at", "last_reported_at", "resolved_at")
    raised: dict[int, list] = {}
    for patient_id, detected_at, last_reported_at, resolved_at in cards:
        since, last, still_open = raised.get(patient_id, (detected_at, last_reported_at, False))
        raised[patient_id] = [
            min(since, detected_at),
            max(last, last_reported_at),
            still_open or resolved_at is None,
        ]
    if not raised:
        return {}
    latest = (
        Outreach.objects.filter(
            patient=OuterRef("pk"),
            team__in=Membership.objects.filter(user=viewer).values("team"),
        )
        .order_by("-at", "-pk")
        .values("at", "by_name", "outcome")
    )
    # The latest record of the viewer's own teams (another team's record is theirs), per
    # patient with a card: a row per patient, three index probes each.
    answered = {
        pk: (at, by_name, outcome)
        for pk, at, by_name, outcome in User.objects.filter(pk__in=raised)
        .annotate(
            at=Subquery(latest.values("at")[:1]),
            by_name=Subquery(latest.values("by_name")[:1]),
            outcome=Subquery(latest.values("outcome")[:1]),
        )
        .values_list("pk", "at", "by_name", "outcome")
    }
    flags = {}
    for patient_id, (since, last, still_open) in raised.items():
        at, by_name, outcome = answered.get(patient_id, (None, "", ""))
        acted = at is not None and answers(at, last)
        if acted and not still_open:
            continue  # rested, and someone has reached out since: done
        flags[patient_id] = UrgentFlag(
            since=since,
            still_open=still_open,
            acted_at=at if acted else None,
            acted_by=by_name if acted else "",
            acted_outcome=Outreach.Outcome(outcome).label if acted else "",
        )
    return flags
