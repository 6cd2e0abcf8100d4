"""The delivery log: every email and notification Tideline sends, once per occasion and channel.

What "once" means is chosen per kind (`Guarantee`), because a crash mid-send leaves us not
knowing whether the server took the message, and the two kinds of mistake cost differently:

- **Reminders are at most once.** Before the SMTP or push call, the row is marked SENDING with
  its attempt counted, and that commits. If the worker is killed mid-send, the row stays
  SENDING and nothing ever sends it again: a reminder may go missing, never arrive twice. An
  admin sees such a row as "Sending (if it stays, it may not have arrived)".
- **Care-team alerts are at least once.** The same SENDING mark commits first, but a row left
  SENDING for longer than `DELIVERY_INTERRUPTED_AFTER` seconds is taken again (by the
  every-minute alert sweep): an alert may arrive twice, never go missing. `unsure_attempts`
  counts the tries that may have arrived (interrupted, or unanswered), so an alert SENT with
  any is visibly a possible duplicate (`attempts_note`, shown in the admin).

Either way two callers never send the same occasion at once: the mark is one conditional
`UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED)` on a PENDING row, so the second
finds the row SENDING or SENT and walks away. A send that fails with the server's answer (an
SMTP 4xx, a refused connection, an HTTP 429 or 5xx) was not delivered: the row goes back to
PENDING and the caller's task retries. A permanent refusal (5xx SMTP, a push endpoint that is
gone) ends the row FAILED. A send that timed out waiting for the server's answer may or may not
have arrived: at most once leaves it SENDING, at least once retries it.

Every email carries a Message-ID derived from its log row, so a second copy of an alert is the
same message to any client or relay that deduplicates by Message-ID. Each row commits on its
own, durably (`synchronous_commit` stays on). A reminder batch inserts its rows in one
statement when the beat claims the people due (journal/reminders/dispatch.py), which is also
what lets a sweep send them if the broker loses the batch, and renders each kind of email once
(`PreparedEmail`).
"""

import datetime as dt
import enum
import logging
import smtplib
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .emails import PreparedEmail, build_message, delivery_message_id
from .models import EmailDelivery

logger = logging.getLogger(__name__)

EMAIL = EmailDelivery.Channel.EMAIL
PUSH = EmailDelivery.Channel.PUSH

# What a send task should retry (with backoff): the server said "try later" (4xx), the
# connection dropped or timed out. Permanent failures never reach the caller; see deliver_once.
TRANSIENT_EMAIL_ERRORS = (smtplib.SMTPException, OSError)


def interrupted_after() -> dt.timedelta:
    """An attempt still SENDING after this long was interrupted (a killed worker): at least
    once, the next caller sends it again. Far longer than one send can take (EMAIL_TIMEOUT is
    15 s a step); DELIVERY_INTERRUPTED_AFTER seconds, 180 by default."""
    return dt.timedelta(seconds=settings.DELIVERY_INTERRUPTED_AFTER)


class Guarantee(enum.Enum):
    """What "once" means for a kind of message (see the module docstring)."""

    AT_MOST_ONCE = "at most once"  # reminders: never twice, may go missing after a crash
    AT_LEAST_ONCE = "at least once"  # care-team alerts: never missing, may come twice


class Failure(enum.Enum):
    """How a failed send ended, as far as we can know."""

    PERMANENT = "refused for good"  # never retried
    NOT_SENT = "not delivered"  # the server answered no, or was never reached: retry
    UNKNOWN = "may have arrived"  # no answer after the message went out


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


def email_failure(exc: BaseException) -> Failure:
    if is_permanent_failure(exc):
        return Failure.PERMANENT
    # The server went quiet: it may have taken the message before it did. smtplib reports a
    # reply that timed out as SMTPServerDisconnected raised while handling the TimeoutError.
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        return Failure.UNKNOWN
    return Failure.NOT_SENT


def failure_label(exc: BaseException) -> str:
    """Code and exception class only: the server's text can echo the address or the content."""
    code = smtp_failure_code(exc)
    if code is None:
        code = getattr(exc, "status_code", None)  # a push service's HTTP status
    name = type(exc).__name__
    return (f"{code} {name}" if code is not None else name)[:120]


def claim_delivery(
    *, recipient_id: int, kind: str, period: str, channel: str = EMAIL
) -> EmailDelivery:
    """The log row for this occasion, created if absent. Safe against concurrent callers."""
    try:
        with transaction.atomic():
            delivery, _ = EmailDelivery.objects.get_or_create(
                recipient_id=recipient_id, kind=kind, period=period, channel=channel
            )
    except IntegrityError:  # a concurrent caller inserted it between our select and insert
        delivery = EmailDelivery.objects.get(
            recipient_id=recipient_id, kind=kind, period=period, channel=channel
        )
    return delivery


Occasion = tuple[int, str, str, str]  # recipient id, kind, period, channel


def claim_deliveries(
    occasions: list[Occasion], *, created_at: dt.datetime | None = None
) -> dict[Occasion, EmailDelivery]:
    """Insert the pending log rows for many (recipient_id, kind, period, channel) in one
    statement: the beat records what it claimed this way, and a batch's sends then find
    their row instead of each inserting it.

    `created_at` (default now) is the dispatch moment: the sweep sends rows still pending a few
    minutes after it, as of that moment. Returns the rows this call inserted, by occasion, with
    their id and `created_at`. Occasions already logged (a retried or redelivered batch, a
    second beat) are not in the result; the send finds those by occasion as a single caller
    does.
    """
    connection = connections[EmailDelivery.objects.db]
    table = connection.ops.quote_name(EmailDelivery._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(created_at or timezone.now())
    pending = EmailDelivery.Status.PENDING
    inserted = []
    # Chunks keep the parameter count (6 a row) far under SQLite's and PostgreSQL's limits
    # whatever REMINDER_BATCH_SIZE is.
    for start in range(0, len(occasions), 1000):
        chunk = occasions[start : start + 1000]
        rows = ", ".join(["(%s, %s, %s, %s, %s, 0, 0, %s, '')"] * len(chunk))
        params = [
            value
            for recipient_id, kind, period, channel in chunk
            for value in (recipient_id, kind, period, channel, pending, now)
        ]
        # Only the quoted table name and placeholders are interpolated; values are parameters.
        sql = (
            f"INSERT INTO {table} (recipient_id, kind, period, channel, status, attempts,"  # noqa: S608
            f" unsure_attempts, created_at, last_error) VALUES {rows}"
            " ON CONFLICT (recipient_id, kind, period, channel) DO NOTHING"
            " RETURNING id, recipient_id, kind, period, channel, created_at"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted.extend(cursor.fetchall())
    return {
        (recipient_id, kind, period, channel): EmailDelivery(
            pk=pk,
            recipient_id=recipient_id,
            kind=kind,
            period=period,
            channel=channel,
            created_at=_aware(created_at),
        )
        for pk, recipient_id, kind, period, channel, created_at in inserted
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
    guarantee: Guarantee = Guarantee.AT_MOST_ONCE,
) -> bool:
    """Send this email unless it was already sent (or tried) for (recipient, kind, period).
    True if sent.

    - Inactive recipients get nothing (False, no log row).
    - Already sent, failed for good, skipped, or being sent right now by someone else: False.
      So is an at-most-once row left SENDING by an interrupted try.
    - Sent by this call: True; the row is SENT with `sent_at`, `attempts` counted.
    - Permanent failure (SMTP 5xx, a recipient refused with 5xx): the row is FAILED with
      `last_error` = code + exception class; returns False and never raises, so no retry.
    - Not delivered (4xx, connection refused or lost): the attempt and `last_error` are
      recorded, the row is PENDING again, and the exception propagates for the caller's task to
      retry with backoff (`TRANSIENT_EMAIL_ERRORS`).
    - No answer (a timeout): at most once, the row stays SENDING and False is returned; at
      least once, as "not delivered".

    `connection`: an open backend connection to reuse across a batch (one SMTP session).
    `prepared`: this email (`name`, `context` without the greeting) already rendered for the
    batch; the greeting comes from `context["greeting_name"]`.
    `claimed`: the log row for this occasion if the caller just inserted it
    (`claim_deliveries`); it is then found by primary key.
    """
    if not recipient.is_active:
        return False

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

    occasion = {"recipient_id": recipient.pk, "kind": kind, "period": period, "channel": EMAIL}
    return send_once(
        occasion,
        send,
        classify=email_failure,
        guarantee=guarantee,
        pk=claimed.pk if claimed is not None else None,
    )


def send_once(
    occasion: dict,
    send: Callable[[EmailDelivery], None],
    *,
    classify: Callable[[BaseException], Failure],
    guarantee: Guarantee,
    pk: int | None = None,
) -> bool:
    """The log's core for any channel: begin an attempt on the occasion's row (creating the row
    if absent), `send`, and record how it ended. True if this call sent it. See deliver_once
    for the outcomes; `classify` says how a failed `send` ended."""
    if pk is not None:
        # The row is ours to try first; if someone else holds it or finished it, that is
        # the same answer the lookup by occasion would give.
        return bool(_attempt(occasion, send, classify, guarantee, pk=pk))
    outcome = _attempt(occasion, send, classify, guarantee)
    if outcome is None and not EmailDelivery.objects.filter(**occasion).exists():
        # Not logged yet (a batch claims its rows up front; a single caller lands here).
        claim_delivery(**occasion)
        outcome = _attempt(occasion, send, classify, guarantee)
    # None: sent, failed or tried already, or being sent by a concurrent caller.
    return bool(outcome)


def _attempt(occasion: dict, send, classify, guarantee: Guarantee, *, pk=None) -> bool | None:
    """Mark the occasion's row SENDING (committed), send, record the end.

    True: sent. False: not sent by this call for a reason recorded on the row (refused for
    good, or no answer at most once). None: no row to try. Raises what `send` raised when the
    message was not delivered and a retry may deliver it.
    """
    with transaction.atomic():  # commits before the send: a crash leaves the mark behind
        delivery = _begin_attempt(occasion, guarantee, pk=pk)
    if delivery is None:
        return None
    try:
        send(delivery)
    except Exception as exc:
        failure = classify(exc)
        unsure = failure is Failure.UNKNOWN
        if unsure and guarantee is Guarantee.AT_LEAST_ONCE:
            failure = Failure.NOT_SENT  # may come twice, never go missing
        _record_failure(delivery, exc, failure, unsure=unsure)
        if failure is Failure.NOT_SENT:
            raise
        logger.warning(
            "%s %s, delivery %s: %s", delivery.kind, delivery.channel, delivery.pk, failure.value
        )
        return False
    _mark_sent(delivery)
    logger.info("sent %s %s, delivery %s", delivery.kind, delivery.channel, delivery.pk)
    return True


def _begin_attempt(occasion: dict, guarantee: Guarantee, *, pk=None) -> EmailDelivery | None:
    """In the caller's transaction: the occasion's PENDING row (or, at least once, a row whose
    attempt was interrupted), locked (skipping a row another sender holds), marked SENDING
    with its attempt counted; None if there is no such row.

    With `pk` (the batch inserted the row and knows its id) the row is found by primary key.
    Without it, by the unique (recipient, kind, period, channel). The primary key matters at
    scale: with today's `period` not yet in the planner's statistics (a fresh day, or a table
    not analysed since it grew), PostgreSQL may estimate that "kind = X AND period = today"
    matches one row and walk every row of today's reminders instead of the unique index, once
    per message.
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
        where = "recipient_id = %s AND kind = %s AND period = %s AND channel = %s"
        keys = [
            occasion["recipient_id"],
            occasion["kind"],
            occasion["period"],
            occasion["channel"],
        ]
    now = timezone.now()
    sending = EmailDelivery.Status.SENDING
    takeable = "status = %s"
    statuses: list = [EmailDelivery.Status.PENDING]
    if guarantee is Guarantee.AT_LEAST_ONCE:
        takeable = "(status = %s OR (status = %s AND attempted_at < %s))"
        statuses += [sending, connection.ops.adapt_datetimefield_value(now - interrupted_after())]
    # Taking over an interrupted try counts it as unsure: it may have been delivered.
    # Only the quoted table name and fixed clauses are interpolated; every value is a parameter.
    sql = (
        f"UPDATE {table} SET status = %s, attempts = attempts + 1, attempted_at = %s,"  # noqa: S608
        " unsure_attempts = unsure_attempts + (CASE WHEN status = %s THEN 1 ELSE 0 END)"
        f" WHERE id = (SELECT id FROM {table} WHERE {where} AND {takeable}{skip_locked})"
        " RETURNING id, created_at, attempts"
    )
    params = [
        sending,
        connection.ops.adapt_datetimefield_value(now),
        sending,
        *keys,
        *statuses,
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
        attempted_at=now,
        status=EmailDelivery.Status.SENDING,
        **occasion,
    )


def _mark_sent(delivery: EmailDelivery) -> None:
    """The server took it. Conditional on this attempt, so a late finish of an interrupted try
    never overwrites a newer one's record."""
    EmailDelivery.objects.filter(
        pk=delivery.pk, status=EmailDelivery.Status.SENDING, attempted_at=delivery.attempted_at
    ).update(status=EmailDelivery.Status.SENT, sent_at=timezone.now(), last_error="")


def _record_failure(
    delivery: EmailDelivery, exc: BaseException, failure: Failure, *, unsure: bool
) -> None:
    """After a failed send: end the row (refused for good), give it back for a retry (not
    delivered), or leave it SENDING (no answer, at most once), with the error's label."""
    changes: dict = {"last_error": failure_label(exc)}
    if unsure:
        changes["unsure_attempts"] = F("unsure_attempts") + 1
    if failure is Failure.PERMANENT:
        changes["status"] = EmailDelivery.Status.FAILED
    elif failure is Failure.NOT_SENT:
        changes["status"] = EmailDelivery.Status.PENDING
    try:
        EmailDelivery.objects.filter(
            pk=delivery.pk,
            status=EmailDelivery.Status.SENDING,
            attempted_at=delivery.attempted_at,
        ).update(**changes)
    except DatabaseError:
        # The database itself is what failed. The row stays SENDING: at most once it is not
        # sent again (it was not delivered, but we cannot say so); at least once the sweep
        # retries it after DELIVERY_INTERRUPTED_AFTER.
        logger.warning("could not record the failure of delivery %s", delivery.pk)


def attempts_note(delivery: EmailDelivery, *, now: dt.datetime | None = None) -> str:
    """What an admin should know about a row beyond its status, in plain words."""
    now = now or timezone.now()
    interrupted = (
        delivery.status == EmailDelivery.Status.SENDING
        and delivery.attempted_at is not None
        and now - delivery.attempted_at > interrupted_after()
    )
    if interrupted:
        return "interrupted: may not have arrived"
    if delivery.status == EmailDelivery.Status.SENT and delivery.unsure_attempts:
        return "sent after a try that may have arrived too: possibly twice"
    return ""
