"""Warning signs: evaluating the early-warning rule, recording what holds, and announcing it.

Two ways in:
- `urgent_signal_record`: the moment a patient reports thoughts of self-harm (PHQ-9 item 9
  above 0, or "yes" in a check-in). It must not wait for a task.
- `signals_evaluate`: after each check-in or questionnaire save, the pure rule in
  `early_warning` over the patient's series; what holds is recorded, what no longer holds is
  resolved, and urgent cards rest after calm days (SIGNAL_CALM_DAYS).

Each kind has one current card (`Signal`); `journal.warning_words` writes it for each reader.

A newly recorded warning is announced (`journal.events.warning_raised`); the care-team app
sends its alert emails from that, after commit. Nothing about a warning ever goes in an email,
a log line or a URL: logs carry the signal's id only.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

from . import early_warning, measures
from .events import warning_raised
from .models import CheckIn, QuestionnaireResponse, Signal, SignalReport
from .weekly import weekly_summaries_rebuild, weekly_summary_refresh

logger = logging.getLogger(__name__)

# A check-in "yes" to thoughts of self-harm is about now when its day is today or yesterday
# (filled in the next morning, last night is still now); for an earlier day, filled in later,
# it is a report about the past: help is shown at once all the same, the care team sees it on
# its own card marked as a past day, and it raises no urgent flag or alert email.
SELF_HARM_CURRENT_DAYS = 2


def checkin_self_harm_kind(*, day: dt.date, today: dt.date) -> str:
    """The card a check-in's "yes" for `day` goes on: urgent (now) or a past day."""
    if (today - day).days < SELF_HARM_CURRENT_DAYS:
        return Signal.Kind.URGENT_CHECKIN
    return Signal.Kind.PAST_CHECKIN


# The report days an urgent card keeps in its details: enough for "on 3 of the last 7 days"
# and the calm-days count; every report stays in SignalReport.
KEPT_REPORT_DAYS = 60


def _announce(signal: Signal) -> None:
    # The id only: a signal's kind or details are health data and stay out of logs.
    logger.info("warning sign %s recorded", signal.pk)
    warning_raised.send(sender=Signal, signal_id=signal.pk)


def _open_card(*, patient, kind: str, key: str, started_on: dt.date, now) -> Signal:
    """The patient's open card of this kind, locked; a new one if there is none. The partial
    unique constraint (one open card per kind) decides a race between two first reports."""
    card = (
        Signal.objects.select_for_update()
        .filter(patient=patient, kind=kind, resolved_at__isnull=True)
        .first()
    )
    if card is not None:
        return card
    try:
        with transaction.atomic():
            return Signal.objects.create(
                patient=patient,
                kind=kind,
                dedupe_key=key,
                started_on=started_on,
                detected_at=now,
                last_reported_at=now,
                reports=0,
                details={"days": []},
            )
    except IntegrityError:
        return Signal.objects.select_for_update().get(
            patient=patient, kind=kind, resolved_at__isnull=True
        )


@transaction.atomic
def urgent_signal_record(
    *, patient, kind: str, dedupe_key: str, started_on: dt.date, answer: int | None = None
) -> Signal:
    """Record a report of thoughts of self-harm on the patient's current card of this kind.

    One current card per kind: the first report opens it, each later one (another day's "yes",
    another PHQ-9) updates it, so the patient reads "on 3 of the last 7 days" on one card, not
    three cards. A report is recorded once per (patient, kind, dedupe_key): `dedupe_key` is the
    check-in day or the questionnaire response id, so re-saving a day or a double submit finds
    the first report, even after the card has rested. `answer` is PHQ-9 item 9's (1-3).

    Every new report is announced: the care team is emailed once per report (alerts.py), with
    no health data, and the dashboard shows the card as not yet acted on.
    """
    if kind not in Signal.SELF_HARM_KINDS:
        raise ValueError("not a self-harm signal kind")
    key = str(dedupe_key)
    seen = SignalReport.objects.filter(patient=patient, kind=kind, key=key).first()
    if seen is not None:
        return Signal.objects.get(pk=seen.signal_id)
    now = timezone.now()
    card = _open_card(patient=patient, kind=kind, key=key, started_on=started_on, now=now)
    try:
        with transaction.atomic():
            SignalReport.objects.create(
                signal=card, patient=patient, kind=kind, key=key, day=started_on, at=now
            )
    except IntegrityError:  # the same report, recorded meanwhile by a concurrent request
        return Signal.objects.get(
            pk=SignalReport.objects.get(patient=patient, kind=kind, key=key).signal_id
        )
    days = sorted({*card.details.get("days", []), started_on.isoformat()})
    card.details = {**card.details, "days": days[-KEPT_REPORT_DAYS:]}
    if answer is not None:
        card.details["answer"] = answer
    card.reports += 1
    # Never before the card's own detection: a concurrent first report may have opened the
    # card a moment after this call read the clock (signal_reported_after_detection).
    card.last_reported_at = max(now, card.detected_at)
    card.save(update_fields=["details", "reports", "last_reported_at"])
    # The care team is told now (after commit); their every-minute sweep is the safety net if
    # the broker is down. The email carries no health data, only a link. A past day's report
    # waits on the patient's page for the team's next look: no one is asked to act tonight.
    if kind in Signal.URGENT_KINDS:
        _announce(card)
    return card


def _last_report_day(card: Signal) -> dt.date:
    days = card.details.get("days") or [card.started_on.isoformat()]
    return max(dt.date.fromisoformat(day) for day in days)


def urgent_signals_rest(*, patient_id: int, today: dt.date) -> list[int]:
    """Let the patient's open urgent cards rest after SIGNAL_CALM_DAYS calm days: days, after
    the last report, with a check-in that reported no thoughts of self-harm. Silence is not
    calm: days without a check-in do not count, so a card never rests on its own while the
    patient is away. Returns the ids of the cards that rested. At most one query per open card
    (there are at most three)."""
    rested = []
    for card in (
        Signal.objects.select_for_update(of=("self",))
        .select_related("patient")
        .filter(patient_id=patient_id, kind__in=Signal.SELF_HARM_KINDS, resolved_at__isnull=True)
    ):
        # A past day's report counts calm days from when it was told, not from the day it is
        # about: days already calm back then would otherwise rest it before anyone read it.
        since = (
            card.last_reported_at.astimezone(card.patient.zoneinfo).date()
            if card.kind == Signal.Kind.PAST_CHECKIN
            else _last_report_day(card)
        )
        calm = (
            CheckIn.objects.filter(patient_id=patient_id, day__gt=since, day__lte=today)
            .exclude(self_harm_thoughts=True)
            .count()
        )
        if calm >= settings.SIGNAL_CALM_DAYS:
            Signal.objects.filter(pk=card.pk, resolved_at__isnull=True).update(
                resolved_at=timezone.now(), resolution=Signal.Resolution.CALM
            )
            rested.append(card.pk)
    return rested


def urgent_signals_safe_now(*, patient) -> int:
    """The patient says they are safe now: their open cards about thoughts of self-harm (now
    or on a past day) rest at once (they stay in the history, and the care team still sees
    whether anyone reached out). Returns how many."""
    return Signal.objects.filter(
        patient=patient, kind__in=Signal.SELF_HARM_KINDS, resolved_at__isnull=True
    ).update(resolved_at=timezone.now(), resolution=Signal.Resolution.SAFE_NOW)


# What the rule reads of each check-in: its day, mood and the warning areas (journal.measures).
SERIES_MEASURES = (measures.MOOD, *measures.WARNING_AREAS)
SERIES_FIELDS = ("day", *(m.name for m in SERIES_MEASURES))


def _series(patient_id: int, today: dt.date) -> list:
    since = today - dt.timedelta(days=early_warning.WINDOW_DAYS + early_warning.BASELINE_DAYS)
    rows = CheckIn.objects.filter(patient_id=patient_id, day__range=(since, today)).values_list(
        *SERIES_FIELDS
    )
    days = []
    for day, *values in rows:
        converted = {
            m.name: (m.as_number(value) if m.is_numeric else value)
            for m, value in zip(SERIES_MEASURES, values, strict=True)
        }
        days.append(early_warning.Day(day=day, **{**converted, "mood": int(values[0])}))
    return days


def _scores(patient_id: int) -> list[early_warning.Score]:
    # The rule reads only the last two PHQ-9s.
    rows = QuestionnaireResponse.objects.filter(patient_id=patient_id, instrument="phq9").order_by(
        "-day", "-submitted_at", "-id"
    )[:2]
    return [
        early_warning.Score(
            id=q.id, instrument=q.instrument, total=q.total, day=q.day, submitted_at=q.submitted_at
        )
        for q in rows
    ]


@transaction.atomic
def signals_evaluate(*, patient_id: int, today: dt.date | None = None) -> list[Signal]:
    """Run the early-warning rule on the patient's series; record what holds, let rest what no
    longer does; and let urgent cards rest after calm days. Returns the patient's open cards of
    the kinds the rule owns.

    One current card per kind: a finding of a kind that already has an open card updates that
    card's details (the slide today, the latest PHQ-9). Idempotent: a finding is keyed by
    (patient, kind, dedupe_key), so a second run (or a concurrent one) finds the row instead
    of adding one. Urgent cards are opened by the journal's save path, never here.
    """
    patient = User.objects.only("time_zone").filter(pk=patient_id).first()
    if patient is None:  # the account was deleted after this evaluation was queued
        return []
    today = today or patient.today()
    findings = early_warning.evaluate(_series(patient_id, today), _scores(patient_id), today)
    now = timezone.now()

    # Lock this patient's rule-owned signals: two evaluations at once queue here, the second
    # then sees the first one's rows.
    existing = {
        (s.kind, s.dedupe_key): s
        for s in Signal.objects.select_for_update().filter(
            patient_id=patient_id, kind__in=early_warning.KINDS
        )
    }
    keep: set[int] = set()
    for finding in findings:
        open_card = next(
            (s for s in existing.values() if s.kind == finding.kind and s.resolved_at is None),
            None,
        )
        same = existing.get((finding.kind, finding.dedupe_key))
        signal: Signal
        if open_card is not None:
            # The card already open stays open, with today's facts.
            signal = open_card
            if signal.details != finding.details:
                signal.details = finding.details
                signal.save(update_fields=["details"])
        elif same is not None:
            signal = same  # the same slide (or score) came back
            signal.resolved_at = None
            signal.resolution = ""
            signal.details = finding.details
            signal.save(update_fields=["resolved_at", "resolution", "details"])
        else:
            try:
                with transaction.atomic():
                    signal = Signal.objects.create(
                        patient_id=patient_id,
                        kind=finding.kind,
                        dedupe_key=finding.dedupe_key,
                        started_on=finding.started_on,
                        detected_at=now,
                        last_reported_at=now,
                        details=finding.details,
                    )
            except IntegrityError:  # created (and announced) meanwhile by a concurrent run
                signal = Signal.objects.get(
                    patient_id=patient_id, kind=finding.kind, resolved_at__isnull=True
                )
            else:
                _announce(signal)
        keep.add(signal.pk)

    stale = [s.pk for s in existing.values() if s.resolved_at is None and s.pk not in keep]
    if stale:
        Signal.objects.filter(pk__in=stale).update(
            resolved_at=now, resolution=Signal.Resolution.CLEARED
        )
    urgent_signals_rest(patient_id=patient_id, today=today)
    return list(
        Signal.objects.filter(
            patient_id=patient_id, kind__in=early_warning.KINDS, resolved_at__isnull=True
        )
    )


def trends_refresh(*, patient_id: int, day: dt.date) -> None:
    """After a check-in save: the patient's week, then their warning signs (the slide rule reads
    the check-ins). What the task enqueued by every check-in save runs."""
    weekly_summary_refresh(patient_id=patient_id, day=day)
    signals_evaluate(patient_id=patient_id)


def history_refresh(*, patient_id: int) -> None:
    """After an import of many days: every week of the patient's (unchanged weeks are left
    alone), then their warning signs."""
    weekly_summaries_rebuild(patient_ids=[patient_id])
    signals_evaluate(patient_id=patient_id)
