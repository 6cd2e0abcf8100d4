"""Warning signs: evaluating the early-warning rule, recording what holds, and announcing it.

Two ways in:
- `urgent_signal_record`: the moment a patient reports thoughts of self-harm (PHQ-9 item 9
  above 0, or "yes" in a check-in). It must not wait for a task.
- `signals_evaluate`: after each check-in or questionnaire save, the pure rule in
  `early_warning` over the patient's series; what holds is recorded, what no longer holds is
  resolved.

A newly recorded warning is announced (`journal.events.warning_raised`); the care-team app
sends its alert emails from that, after commit. Nothing about a warning ever goes in an email,
a log line or a URL: logs carry the signal's id only.
"""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

from . import early_warning, measures
from .events import warning_raised
from .models import CheckIn, QuestionnaireResponse, Signal
from .weekly import weekly_summaries_rebuild, weekly_summary_refresh

logger = logging.getLogger(__name__)

URGENT_REASONS = {
    Signal.Kind.URGENT_ITEM9: (
        "On a PHQ-9, thoughts of being better off dead or of self-harm were reported. "
        "Please reach out to the patient today."
    ),
    Signal.Kind.URGENT_CHECKIN: (
        "In a daily check-in, thoughts of harming oneself were reported. "
        "Please reach out to the patient today."
    ),
}


def _announce(signal: Signal) -> None:
    # The id only: a signal's kind or reason is health data and stays out of logs.
    logger.info("warning sign %s recorded", signal.pk)
    warning_raised.send(sender=Signal, signal_id=signal.pk)


@transaction.atomic
def urgent_signal_record(*, patient, kind: str, dedupe_key: str, started_on: dt.date) -> Signal:
    """Record an urgent signal once per (patient, kind, dedupe_key); idempotent.

    `dedupe_key` is the questionnaire response id (item 9) or the check-in day (check-in), so a
    re-save or a double submit finds the first row. The unique constraint decides a race: the
    loser's insert fails inside a savepoint and it reads the winner's row.
    """
    if kind not in Signal.URGENT_KINDS:
        raise ValueError("not an urgent signal kind")
    key = str(dedupe_key)
    existing = Signal.objects.filter(patient=patient, kind=kind, dedupe_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            signal = Signal.objects.create(
                patient=patient,
                kind=kind,
                dedupe_key=key,
                started_on=started_on,
                detected_at=timezone.now(),
                reason=URGENT_REASONS[Signal.Kind(kind)],
            )
    except IntegrityError:
        return Signal.objects.get(patient=patient, kind=kind, dedupe_key=key)
    # The care team is told now (after commit); their every-minute sweep is the safety net if
    # the broker is down. The email carries no health data, only a link.
    _announce(signal)
    return signal


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
    """Run the early-warning rule on the patient's series; record what holds, resolve what no
    longer does. Returns the patient's active signals of the kinds this rule owns.

    Idempotent: a finding is keyed by (patient, kind, dedupe_key), so a second run (or a
    concurrent one) finds the row instead of adding one. Urgent signals (item 9, self-harm in a
    check-in) belong to the journal's save path and are never touched here.
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
        active_same_kind = [
            s for s in existing.values() if s.kind == finding.kind and s.resolved_at is None
        ]
        same = existing.get((finding.kind, finding.dedupe_key))
        signal: Signal
        if finding.kind == early_warning.KIND_SLIDE and active_same_kind:
            # One slide at a time: the one already open stays open, with today's explanation.
            signal = active_same_kind[0]
            if signal.reason != finding.reason:
                signal.reason = finding.reason
                signal.save(update_fields=["reason"])
        elif same is not None:
            signal = same
            if signal.resolved_at is not None:  # the same slide came back
                signal.resolved_at = None
                signal.reason = finding.reason
                signal.save(update_fields=["resolved_at", "reason"])
        else:
            try:
                with transaction.atomic():
                    signal = Signal.objects.create(
                        patient_id=patient_id,
                        kind=finding.kind,
                        dedupe_key=finding.dedupe_key,
                        started_on=finding.started_on,
                        detected_at=now,
                        reason=finding.reason,
                    )
            except IntegrityError:  # created (and announced) meanwhile by a concurrent run
                signal = Signal.objects.get(
                    patient_id=patient_id, kind=finding.kind, dedupe_key=finding.dedupe_key
                )
            else:
                _announce(signal)
        keep.add(signal.pk)

    stale = [s.pk for s in existing.values() if s.resolved_at is None and s.pk not in keep]
    if stale:
        Signal.objects.filter(pk__in=stale).update(resolved_at=now)
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
