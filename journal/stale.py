"""The stale-weeks outbox: trends work recorded with the change, done by a task or the sweep.

A save marks the week it changed (`stale_week_mark`) inside its own transaction, then enqueues
the refresh after commit. Whoever runs the refresh first (that task, a redelivered copy, or the
every-minute sweep for rows older than STALE_WEEKS_SWEEP_AFTER) recomputes the week and the
warning signs, and only then removes the row, and only if it was not marked again meanwhile (a
newer save's task, or the next sweep, owns that newer change). Recomputing is idempotent (the
weekly upsert rewrites only changed rows, signals are keyed by what made them), so a row done
twice costs time, never correctness.
"""

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from .models import StaleWeek
from .signals import history_refresh, signals_evaluate, trends_refresh
from .weekly import week_start

logger = logging.getLogger(__name__)

# Rows one sweep takes at most (oldest first); the rest wait a minute for the next sweep, so a
# backlog after a long outage is worked off without one task running for ever.
SWEEP_LIMIT = 500


def stale_week_mark(*, patient_id: int, day: dt.date | None = None, week: dt.date | None = None):
    """Record in the caller's transaction that the week holding `day` (or `week`, one of
    StaleWeek's made-up weeks) needs its summary and the patient's warning signs recomputed.
    Marking a marked week again moves its moment forward, so a refresh already under way
    leaves the row for the next one."""
    if day is not None:
        week = week_start(day)
    if week is None:
        raise ValueError("stale_week_mark needs a day or a week")
    StaleWeek.objects.bulk_create(
        [StaleWeek(patient_id=patient_id, week=week, marked_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["patient", "week"],
        update_fields=["marked_at"],
    )


def stale_week_refresh(*, patient_id: int, week: dt.date) -> None:
    """Recompute the patient's `week` (or every week) and their warning signs, then remove the
    row if nobody marked the week since we looked. Safe to run twice, or twice at once."""
    seen = (
        StaleWeek.objects.filter(patient_id=patient_id, week=week)
        .values_list("marked_at", flat=True)
        .first()
    )
    if week == StaleWeek.EVERY_WEEK:
        history_refresh(patient_id=patient_id)
    elif week == StaleWeek.NO_WEEK:
        signals_evaluate(patient_id=patient_id)
    else:
        trends_refresh(patient_id=patient_id, day=week)
    # Each step above committed on its own; only now is the work done. A save that marked the
    # week while we worked changed `marked_at`, so its row stays for its own task or the sweep.
    if seen is not None:
        StaleWeek.objects.filter(patient_id=patient_id, week=week, marked_at=seen).delete()


def stale_weeks_sweep(*, now: dt.datetime | None = None) -> int:
    """Do every refresh still owed STALE_WEEKS_SWEEP_AFTER seconds after its week was marked
    (its task lost with a broker that was down or flushed, or a worker killed mid-way).
    Returns how many rows were worked; one that fails is logged and left for the next sweep."""
    now = now or timezone.now()
    due = now - dt.timedelta(seconds=settings.STALE_WEEKS_SWEEP_AFTER)
    rows = list(
        StaleWeek.objects.filter(marked_at__lte=due)
        .order_by("marked_at")
        .values_list("patient_id", "week")[:SWEEP_LIMIT]
    )
    failed = 0
    for patient_id, week in rows:
        try:
            stale_week_refresh(patient_id=patient_id, week=week)
        except Exception:
            failed += 1
            logger.exception("stale week refresh failed; the next sweep tries again")
    if rows:
        logger.info("stale weeks sweep: %d refreshed, %d failed", len(rows) - failed, failed)
    return len(rows) - failed
