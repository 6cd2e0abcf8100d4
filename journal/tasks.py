"""Celery entry points for the journal: ids, ISO dates and plain values in, one service call.

Every task is idempotent: the weekly services upsert and only rewrite rows whose values changed,
signals are keyed by what made them, and the delivery log makes each reminder go out once, so
a redelivered or duplicated task has the effect of running once.
"""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from accounts.delivery import TRANSIENT_EMAIL_ERRORS
from accounts.push import PushNotDelivered

from . import stale, weekly
from .models import StaleWeek
from .reminders import dispatch, send, sweep
from .weekly import week_start


@shared_task
def weekly_summary_refresh(patient_id: int, day: str, onward: bool = False) -> None:
    """After a check-in save: recompute the patient's week holding `day` (ISO date), then
    re-evaluate their early-warning signals. Enqueue with
    `enqueue_on_commit(weekly_summary_refresh, patient_id=..., day=day.isoformat())`.

    `onward` is ignored. Code before journal migration 0009 sent it after a questionnaire or
    session save, and such a task may still wait in the broker during an upgrade: refusing the
    argument would drop the signal evaluation it stands for. Remove it a release later."""
    del onward
    stale.stale_week_refresh(patient_id=patient_id, week=week_start(dt.date.fromisoformat(day)))


@shared_task
def warning_signs_refresh(patient_id: int) -> None:
    """After a questionnaire save: re-evaluate the patient's early-warning signals (a PHQ-9
    rise, a PHQ-9 of 15 or more). No weekly summary holds a score, so none is touched."""
    stale.stale_week_refresh(patient_id=patient_id, week=StaleWeek.NO_WEEK)


@shared_task
def imported_history_refresh(patient_id: int) -> None:
    """After an import: every week of the patient's, then their warning signs, once."""
    stale.stale_week_refresh(patient_id=patient_id, week=StaleWeek.EVERY_WEEK)


@shared_task(name="journal.stale_weeks_sweep", ignore_result=True)
def stale_weeks_sweep() -> int:
    """Beat, every minute: the trends work recorded with a save whose own task never ran (a
    broker down during the save or flushed after it, a killed worker)."""
    return stale.stale_weeks_sweep()


@shared_task
def weekly_summaries_refresh_finished_week() -> int:
    """Beat, weekly: recompute every patient's just-finished week, set-based, in batches."""
    return weekly.weekly_summaries_refresh_finished_week()


@shared_task(name="journal.reminders_dispatch", ignore_result=True)
def reminders_dispatch() -> int:
    """Beat, every minute: claim everyone whose reminder moment has come and publish their
    send batches. Safe to run twice at once (SKIP LOCKED splits the rows)."""

    def publish(user_ids: list[int], as_of: dt.datetime) -> None:
        reminders_send_batch.apply_async(kwargs={"user_ids": user_ids, "as_of": as_of.isoformat()})

    return dispatch.reminders_dispatch_due(publish=publish)


@shared_task(
    name="journal.reminders_send_batch",
    ignore_result=True,
    # SMTP 4xx, a push service's 429/5xx, a dropped connection or a database blip: try again
    # later, with exponential backoff (2, 4, 8 ... s) and full jitter so a recovering server
    # is not hit by every batch at once. The cap stays under the Redis visibility timeout: a
    # retry waiting longer than that would be handed to a second worker. Permanent failures
    # (5xx) never raise here; deliver_once records them and moves on.
    autoretry_for=(*TRANSIENT_EMAIL_ERRORS, PushNotDelivered, OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=settings.EMAIL_RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=10,
)
def reminders_send_batch(*, user_ids: list[int], as_of: str) -> int:
    """Send what these patients are due at the dispatch moment `as_of` (ISO 8601, UTC).
    Preferences, account status and check-ins are re-read now; the delivery log makes a
    redelivered or retried batch send nothing twice."""
    return send.reminders_send(user_ids=user_ids, as_of=dt.datetime.fromisoformat(as_of))


@shared_task(name="journal.reminders_sweep", ignore_result=True)
def reminders_sweep() -> int:
    """Beat, every minute: send the reminders the beat logged as pending that no send batch
    delivered within REMINDER_SWEEP_AFTER (a broker that lost its queue). The delivery log
    keeps each to one per channel if the batch turns up after all."""
    return sweep.reminders_sweep()
