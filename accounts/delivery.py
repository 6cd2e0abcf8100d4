"""The delivery log: every email Tideline sends goes out once per occasion.

Exactly once rests on the delivery log (`EmailDelivery`, unique on recipient, kind, period):
the row is inserted if absent, then locked with `SELECT ... FOR UPDATE SKIP LOCKED` while the
message goes out and marked sent in the same transaction. A second caller for the same occasion
(a second beat, a task delivered twice, a retry after a timeout) either finds the row sent or
finds it locked and walks away. The one window left is SMTP itself: if the server accepted the
message and the process died before the commit, the redelivered task sends it again. Every
message therefore carries a Message-ID derived from its log row, so the copy is the same message
to any client or relay that deduplicates by Message-ID.

Each message commits on its own, durably (`synchronous_commit` stays on): the SENT mark of an
email the server accepted survives a crash of the worker and of PostgreSQL alike. A reminder
batch only makes that cheaper, not looser: it inserts its log rows in one statement and locks
each by primary key, and it renders each kind of email once (`PreparedEmail`).
"""

import datetime as dt
import logging
import smtplib

from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .emails import PreparedEmail, build_message, delivery_message_id
from .models import EmailDelivery

logger = logging.getLogger(__name__)

logger = logging.getLogger(__name__)

# What a send task should retry (with backoff): the server said "try later" (4xx), the
# connection dropped or timed out. Permanent failures never reach the caller; see deliver_once.
TRANSIENT_EMAIL_ERRORS = (smtplib.SMTPException, OSError)


def smtp_failure_code(exc: BaseException) -> int | None:
    """The SMTP reply code behind a failure, if the server gave one."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in exc.recipients.values()]
        # Every recipient was refused (we send to one); the mildest code decides.
        return min(codes) if codes else None
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code
    return None


def is_permanent_failure(exc: BaseException) -> bool:
    """5xx: the server will refuse this message every time (unknown mailbox, policy rejection).
    Retrying only annoys the server. A failed login is a configuration problem that a fix can
    cure, so it stays retryable rather than failing every occasion for good."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False
    code = smtp_failure_code(exc)
    return code is not None and code >= 500


def failure_label(exc: BaseException) -> str:
    """Code and exception class only: the server's text can echo the address or the content."""
    code = smtp_failure_code(exc)
    name = type(exc).__name__
    return (f"{code} {name}" if code is not None else name)[:120]


def claim_delivery(*, recipient_id: int, kind: str, period: str) -> EmailDelivery:
    """The log row for this occasion, created if absent. Safe against concurrent callers."""
    try:
        with transaction.atomic():
            delivery, _ = EmailDelivery.objects.get_or_create(
                recipient_id=recipient_id, kind=kind, period=period
            )
    except IntegrityError:  # a concurrent caller inserted it between our select and insert
        delivery = EmailDelivery.objects.get(recipient_id=recipient_id, kind=kind, period=period)
    return delivery


def claim_deliveries(occasions: list[tuple[int, str, str]]) -> dict[tuple, EmailDelivery]:
    """Insert the pending log rows for many (recipient_id, kind, period) in one statement, so a
    batch's `deliver_once` calls find their row instead of each inserting it.

    Returns the rows this call inserted, by occasion, with their id and `created_at`: the
    batch then locks each one by primary key. Occasions already logged (a retried or
    redelivered batch, a second beat) are not in the result; `deliver_once` finds those by
    (recipient, kind, period) as a single caller does.
    """
    connection = connections[EmailDelivery.objects.db]
    table = connection.ops.quote_name(EmailDelivery._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    pending = EmailDelivery.Status.PENDING
    inserted = []
    # Chunks keep the parameter count (5 a row) far under SQLite's and PostgreSQL's limits
    # whatever REMINDER_BATCH_SIZE is.
    for start in range(0, len(occasions), 1000):
        chunk = occasions[start : start + 1000]
        rows = ", ".join(["(%s, %s, %s, %s, 0, %s, '')"] * len(chunk))
        params = [
            value
            for recipient_id, kind, period in chunk
            for value in (recipient_id, kind, period, pending, now)
        ]
        # Only the quoted table name and placeholders are interpolated; values are parameters.
        sql = (
            f"INSERT INTO {table} (recipient_id, kind, period, status, attempts, created_at,"  # noqa: S608
            f" last_error) VALUES {rows} ON CONFLICT (recipient_id, kind, period) DO NOTHING"
            " RETURNING id, recipient_id, kind, period, created_at"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted.extend(cursor.fetchall())
    return {
        (recipient_id, kind, period): EmailDelivery(
            pk=pk,
            recipient_id=recipient_id,
            kind=kind,
            period=period,
            created_at=_aware(created_at),
        )
        for pk, recipient_id, kind, period, created_at in inserted
    }


def _aware(value) -> dt.datetime:
    """A timestamp read back through raw SQL (never NULL: the column is set on insert), as the
    ORM would give it."""
    if isinstance(value, str):  # SQLite hands back text
        value = parse_datetime(value)
    if not isinstance(value, dt.datetime):
        raise ValueError("the delivery log returned no timestamp")
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def deliver_once(
    *,
    recipient,
    kind: str,
    period: str,
    name: str,
    context: dict,
    unsubscribe_url: str | None = None,
    connection=None,
    prepared: PreparedEmail | None = None,
    claimed: EmailDelivery | None = None,
) -> bool:
    """Send this email unless it was already sent for (recipient, kind, period). True if sent.

    - Inactive recipients get nothing (False, no log row).
    - Already sent, failed for good, or being sent right now by someone else: False.
    - Sent by this call: True; the row is SENT with `sent_at`, `attempts` counted.
    - Permanent failure (SMTP 5xx, a recipient refused with 5xx): the row is FAILED with
      `last_error` = code + exception class; returns False and never raises, so no retry.
    - Transient failure (4xx, connection lost, timeout): the attempt and `last_error` are
      recorded, the row stays PENDING, and the exception propagates for the caller's task to
      retry with backoff (`TRANSIENT_EMAIL_ERRORS`).

    `connection`: an open backend connection to reuse across a batch (one SMTP session).
    `prepared`: this email (`name`, `context` without the greeting) already rendered for the
    batch; the greeting comes from `context["greeting_name"]`.
    `claimed`: the log row for this occasion if the caller just inserted it
    (`claim_deliveries`); it is then locked by primary key.
    """
    if not recipient.is_active:
        return False
    occasion = {"recipient_id": recipient.pk, "kind": kind, "period": period}

    def send(delivery: EmailDelivery) -> None:
        if prepared is not None:
            prepared.send(
                to=recipient.email,
                greeting_name=context["greeting_name"],
                unsubscribe_url=unsubscribe_url,
                message_id=delivery_message_id(delivery),
                connection=connection,
            )
            return
        build_message(
            to=recipient.email,
            name=name,
            context=context,
            unsubscribe_url=unsubscribe_url,
            connection=connection,
            message_id=delivery_message_id(delivery),
        ).send()

    if claimed is not None:
        # The row is ours to try first; if someone else holds it or finished it, that is
        # the same answer the lookup by occasion would give.
        return bool(_send_if_pending(occasion, send, pk=claimed.pk))
    outcome = _send_if_pending(occasion, send)
    if outcome is None and not EmailDelivery.objects.filter(**occasion).exists():
        # Not logged yet (a batch claims its rows up front; a single caller lands here).
        claim_delivery(**occasion)
        outcome = _send_if_pending(occasion, send)
    # None: sent or failed already, or locked by a concurrent sender of the same occasion.
    return bool(outcome)


def _send_if_pending(occasion: dict, send, *, pk: int | None = None) -> bool | None:
    """Lock the occasion's PENDING row, send, mark it SENT, in one transaction.

    True: sent. False: the server refused for good (recorded). None: no pending row to lock.
    The lock is held while the message goes out: a concurrent duplicate skips the locked row
    instead of waiting and sending after us. A worker killed mid-send rolls back, and the
    redelivered task finds the row still pending.

    One statement does the lock and the mark (`UPDATE ... WHERE id = (SELECT ... FOR UPDATE
    SKIP LOCKED) RETURNING`): the row reads SENT only inside this transaction, which commits
    after the server accepted the message and rolls back if it did not. Two round trips a
    message (the statement and the commit) instead of three, and no ORM query compiling: this
    is the per-message cost of a reminder batch.
    """
    delivery = None
    try:
        with transaction.atomic():
            delivery = _lock_and_mark_sent(occasion, pk=pk)
            if delivery is None:
                return None
            send(delivery)
    except Exception as exc:
        if delivery is None:  # the database failed before anything was sent
            raise
        _record_failure(delivery, exc)
        if is_permanent_failure(exc):
            logger.warning("%s email, delivery %s failed for good", delivery.kind, delivery.pk)
            return False
        raise
    logger.info("sent %s email, delivery %s", delivery.kind, delivery.pk)
    return True


def _lock_and_mark_sent(occasion: dict, *, pk: int | None = None) -> EmailDelivery | None:
    """In the caller's transaction: the occasion's PENDING row, locked (skipping a row another
    sender holds) and marked SENT with its attempt counted; None if there is no such row.

    With `pk` (the batch inserted the row and knows its id) the row is found by primary key.
    Without it, by the unique (recipient, kind, period). The primary key matters at scale: with
    today's `period` not yet in the planner's statistics (a fresh day, or a table not analysed
    since it grew), PostgreSQL may estimate that "kind = X AND period = today" matches one row
    and walk every row of today's reminders instead of the unique index, once per message.
    """
    connection = connections[EmailDelivery.objects.db]
    skip_locked = (
        " FOR UPDATE SKIP LOCKED"
        if connection.features.has_select_for_update_skip_locked
        else ""  # SQLite: one writer at a time, the transaction itself is the lock
    )
    table = connection.ops.quote_name(EmailDelivery._meta.db_table)
    if pk is not None:
        where, keys = "id = %s", [pk]
    else:
        where = "recipient_id = %s AND kind = %s AND period = %s"
        keys = [occasion["recipient_id"], occasion["kind"], occasion["period"]]
    # Only the quoted table name and fixed clauses are interpolated; every value is a parameter.
    sql = (
        f"UPDATE {table} SET status = %s, attempts = attempts + 1, sent_at = %s, last_error = ''"  # noqa: S608
        f" WHERE id = (SELECT id FROM {table} WHERE {where} AND status = %s{skip_locked})"
        " RETURNING id, created_at, attempts"
    )
    params = [
        EmailDelivery.Status.SENT,
        connection.ops.adapt_datetimefield_value(timezone.now()),
        *keys,
        EmailDelivery.Status.PENDING,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, created_at, attempts = row
    return EmailDelivery(
        pk=pk,
        created_at=_aware(created_at),
        attempts=attempts,
        status=EmailDelivery.Status.SENT,
        **occasion,
    )


def _record_failure(delivery: EmailDelivery, exc: BaseException) -> None:
    """After the send transaction rolled back: count the attempt, and end the row if the
    server refused for good. Conditional on PENDING so a concurrent success is never undone."""
    permanent = is_permanent_failure(exc)
    changes = {"attempts": F("attempts") + 1, "last_error": failure_label(exc)}
    if permanent:
        changes["status"] = EmailDelivery.Status.FAILED
    try:
        EmailDelivery.objects.filter(pk=delivery.pk, status=EmailDelivery.Status.PENDING).update(
            **changes
        )
    except DatabaseError:  # the database itself is what failed; the retry will record it
        logger.warning("could not record the failure of delivery %s", delivery.pk)
