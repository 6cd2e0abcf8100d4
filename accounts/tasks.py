"""Celery entry points for reminder email: ids and plain values in, one service call each."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from . import reminders
from .emails import TRANSIENT_EMAIL_ERRORS


@shared_task(name="accounts.reminders_dispatch", ignore_result=True)
def reminders_dispatch() -> int:
    """Beat, every minute: claim everyone whose reminder moment has come and publish their
    send batches. Safe to run twice at once (SKIP LOCKED splits the rows)."""
    return reminders.reminders_dispatch_due()


@shared_task(
    name="accounts.reminders_send_batch",
    ignore_result=True,
    # SMTP 4xx, a dropped connection or a database blip: try again later, with exponential
    # backoff (2, 4, 8 ... s) and full jitter so a recovering server is not hit by every batch
    # at once. The cap stays under the Redis visibility timeout: a retry waiting longer than
    # that would be handed to a second worker. Permanent failures (5xx) never raise here;
    # deliver_once records them and moves on.
    autoretry_for=(*TRANSIENT_EMAIL_ERRORS, OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=settings.EMAIL_RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=10,
)
def reminders_send_batch(*, user_ids: list[int], as_of: str) -> int:
    """Send what these patients are due at the dispatch moment `as_of` (ISO 8601, UTC).
    Preferences, account status and check-ins are re-read now; the delivery log makes a
    redelivered or retried batch send nothing twice."""
    return reminders.reminders_send(user_ids=user_ids, as_of=dt.datetime.fromisoformat(as_of))
