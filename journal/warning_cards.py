"""The patient's warning cards: what Home and Trends show them about their warning signs.

One card per kind that is open (`Signal`), in the patient's words (`journal.warning_words`),
with where it stands with their care team:

    new  ->  "your care team saw this on ..."  ->  "your team reached out on ..."  ->  rests

The team's side comes through the port (`journal.care.FollowUp`): which teams see warnings,
and each outreach, in the patient's words and without the team's note. A card rests when the
rule no longer holds, after calm days (`SIGNAL_CALM_DAYS`), or when the patient says they
are safe now; rested cards of the last 90 days are listed as history.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from .care import FollowUp, OutreachSeen, care_teams
from .models import Signal
from .warning_words import Words

HISTORY_DAYS = 90
HISTORY_LIMIT = 20


class Stage(enum.Enum):
    NEW = "new"
    SEEN = "seen"
    REACHED_OUT = "reached_out"
    RESTING = "resting"


@dataclass(frozen=True)
class Card:
    signal: Signal
    words: Words
    stage: Stage
    # The sentence saying where it stands with the care team.
    status: str
    outreach: OutreachSeen | None = None

    @property
    def is_urgent(self) -> bool:
        return self.signal.is_urgent


@dataclass(frozen=True)
class Cards:
    current: list[Card]
    rested: list[Card]


def _names(teams: list[str]) -> str:
    if len(teams) == 1:
        return teams[0]
    return ", ".join(teams[:-1]) + " and " + teams[-1]


def _date(at: dt.datetime | dt.date) -> str:
    if isinstance(at, dt.datetime):
        at = timezone.localtime(at)
    return f"{at.day} {at:%B}"


def _card(signal: Signal, follow_up: FollowUp, today: dt.date) -> Card:
    words = signal.words_for_patient(today)
    outreach = next((o for o in follow_up.outreach if o.at >= signal.detected_at), None)
    if signal.resolved_at is not None:
        why = {
            Signal.Resolution.SAFE_NOW: "after you told us you were safe",
            Signal.Resolution.CALM: "after some calmer days",
        }.get(Signal.Resolution(signal.resolution or Signal.Resolution.CLEARED), "")
        status = f"Resting since {_date(signal.resolved_at)}{' ' + why if why else ''}."
        return Card(signal, words, Stage.RESTING, status, outreach)
    if outreach is not None:
        status = f"Your team at {outreach.team} {outreach.words} on {_date(outreach.at)}."
        return Card(signal, words, Stage.REACHED_OUT, status, outreach)
    if signal.acknowledged_at is not None and follow_up.teams_told:
        status = f"Your care team saw this on {_date(signal.acknowledged_at)}."
        return Card(signal, words, Stage.SEEN, status)
    if follow_up.teams_told:
        status = (
            f"Your care team at {_names(follow_up.teams_told)} can see this in Tideline. "
            "Tideline isn't watched around the clock, so if you need someone now, use "
            "“Need help now?”."
        )
    else:
        status = (
            "You aren't sharing your trends with a care team in Tideline, so no one has been "
            "told here. Please tell someone you trust, or your clinician."
        )
    return Card(signal, words, Stage.NEW, status)


def _order(signal: Signal) -> tuple:
    # Thoughts of self-harm first, then the newest.
    return (not signal.is_urgent, -signal.detected_at.timestamp())


def warning_cards(*, patient, today: dt.date, history: bool = False) -> Cards:
    """The patient's open cards (and, with `history`, those that rested in the last 90 days).
    Two queries, plus the port's (two): a fixed number whatever the history."""
    since = timezone.now() - dt.timedelta(days=HISTORY_DAYS)
    rows = Signal.objects.filter(patient=patient, resolved_at__isnull=True)
    if history:
        rows = (
            Signal.objects.filter(patient=patient)
            .exclude(resolved_at__lt=since)
            .exclude(resolution=Signal.Resolution.MERGED)
        )
    # Open cards first (one per kind, so a handful), then the most recently rested.
    order = (F("resolved_at").desc(nulls_first=True), "-detected_at")
    signals = list(rows.order_by(*order)[: HISTORY_LIMIT + len(Signal.Kind)])
    if not signals:
        return Cards(current=[], rested=[])
    follow_up = care_teams().follow_up(patient)
    current = [_card(s, follow_up, today) for s in sorted(signals, key=_order) if not s.resolved_at]
    rested = [_card(s, follow_up, today) for s in signals if s.resolved_at][:HISTORY_LIMIT]
    return Cards(current=current, rested=rested)
