"""The beat job: claim everyone whose reminder moment has come, batch by batch, and publish
their send batches (see the package docstring)."""

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.schedule import SCHEDULE_FIELDS, next_occasion

from .send import reminders_record_pending

# Publishes one send batch: (user ids, the dispatch moment). The Celery task that sends is
# handed in by the beat task (journal/tasks.py), which this module does not import.
Publish = Callable[[list[int], dt.datetime], None]


def reminders_claim_due(*, now: dt.datetime, limit: int) -> list[int]:
    """Up to `limit` accounts whose moment has come, each moved on to its next moment.

    Runs inside the caller's transaction: the rows stay locked until it commits, and SKIP LOCKED
    lets a second beat running at the same time take the next rows instead of the same ones.
    """
    users = list(
        User.objects.select_for_update(skip_locked=True)
        .filter(next_reminder_at__lte=now)
        .order_by("next_reminder_at")
        .only(*SCHEDULE_FIELDS)[:limit]
    )
    by_moment: dict[dt.datetime | None, list[int]] = {}
    for user in users:
        by_moment.setdefault(next_occasion(user, after=now), []).append(user.pk)
    # One UPDATE per distinct next moment: people who share a time zone and reminder time
    # (most of them: 8 p.m. is the default) share one statement.
    for moment, user_ids in by_moment.items():
        User.objects.filter(pk__in=user_ids).update(next_reminder_at=moment)
    return [user.pk for user in users]


def reminders_dispatch_due(
    *, publish: Publish, now: dt.datetime | None = None, batch_size: int | None = None
) -> int:
    """Claim everyone due at `now`, batch by batch, and `publish` one send batch each.
    Returns the number of accounts claimed."""
    now = now or timezone.now()
    size = batch_size or settings.REMINDER_BATCH_SIZE
    claimed = 0
    while True:
        with transaction.atomic():
            user_ids = reminders_claim_due(now=now, limit=size)
            if user_ids:
                # What they are due is logged as pending in the same transaction as the claim:
                # if the broker then loses the batch (Redis flushed, restarted without its
                # data), the sweep finds these rows and sends them (sweep.py).
                reminders_record_pending(user_ids=user_ids, as_of=now)
                # Published inside the transaction on purpose (not on commit): if the broker is
                # down the publish raises, the claim rolls back, and the next beat tries these
                # accounts again instead of silently skipping their reminder. The task needs
                # nothing this transaction writes (it re-reads the pending rows by their
                # dispatch moment; if they are not committed yet it logs them itself), and a
                # task published for a claim that then fails to commit is harmless: the next
                # claim publishes again, the delivery log keeps it to one email.
                publish(user_ids, now)
        claimed += len(user_ids)
        if len(user_ids) < size:
            return claimed
