"""The reminder sweep: send what the beat claimed and logged but no send batch delivered.

The beat logs every reminder it claims as a pending delivery row in the same transaction as the
claim (dispatch.py), then publishes a send batch to the broker. If the broker loses that batch
(Redis flushed or restarted without its data, a queue purged by hand), the rows stay pending;
this sweep, every minute, sends each one still pending `REMINDER_SWEEP_AFTER` seconds after its
dispatch moment, as of that moment: the same judgement (still due, still wanted, not too late)
and the same delivery log, so a batch that turns up after all sends nothing twice.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from accounts import unsubscribe as kinds
from accounts.models import EmailDelivery

from .send import reminders_send

# Rows older than this are not looked at: anything daily is long past MAX_LATENESS, and a
# weekly note a day late would surprise more than help. They stay pending, visibly unsent.
SWEEP_WINDOW = dt.timedelta(days=1)


def reminders_sweep(*, now: dt.datetime | None = None) -> int:
    """Send the pending reminders no batch sent in time; returns how many went out."""
    now = now or timezone.now()
    due_before = now - dt.timedelta(seconds=settings.REMINDER_SWEEP_AFTER)
    rows = (
        EmailDelivery.objects.filter(
            status=EmailDelivery.Status.PENDING,
            created_at__lte=due_before,
            created_at__gte=now - SWEEP_WINDOW,
            kind__in=list(kinds.PREFERENCES),
        )
        .values_list("created_at", "recipient_id")
        .distinct()
    )
    by_moment: dict[dt.datetime, set[int]] = {}
    for created_at, recipient_id in rows:
        by_moment.setdefault(created_at, set()).add(recipient_id)
    sent = 0
    batch = settings.REMINDER_BATCH_SIZE
    for moment, recipients in sorted(by_moment.items()):
        ids = sorted(recipients)
        for start in range(0, len(ids), batch):
            sent += reminders_send(user_ids=ids[start : start + batch], as_of=moment, now=now)
    return sent
