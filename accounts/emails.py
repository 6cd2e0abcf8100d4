"""Sending email exactly once, with no health data in it.

Each email is a template triplet in templates/emails/: `<name>_subject.txt`, `<name>.txt` and
`<name>.html`. The context must hold only what the templates need for a subject and a link.

Exactly once rests on the delivery log (`EmailDelivery`, unique on recipient, kind, period):
the row is inserted if absent, then locked with `SELECT ... FOR UPDATE SKIP LOCKED` while the
message goes out and marked sent in the same transaction. A second caller for the same occasion
(a second beat, a task delivered twice, a retry after a timeout) either finds the row sent or
finds it locked and walks away. The one window left is SMTP itself: if the server accepted the
message and the process died before the commit, the redelivered task sends it again. Every
message therefore carries a Message-ID derived from its log row, so the copy is the same message
to any client or relay that deduplicates by Message-ID.
"""

import datetime as dt
import logging
import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .models import EmailDelivery

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


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    subject = render_to_string(f"emails/{name}_subject.txt", context).strip()
    subject = " ".join(subject.splitlines())
    text = render_to_string(f"emails/{name}.txt", context)
    html = render_to_string(f"emails/{name}.html", context)
    return subject, text, html


def _mail_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "tideline.local"


def delivery_message_id(delivery: EmailDelivery) -> str:
    """Stable per log row: a resend after a crash is recognisably the same message."""
    stamp = int(delivery.created_at.timestamp()) if delivery.created_at else 0
    return f"<delivery.{delivery.pk}.{stamp}@{_mail_domain()}>"


def build_message(
    *,
    to: str,
    name: str,
    context: dict,
    unsubscribe_url: str | None = None,
    connection=None,
    message_id: str | None = None,
) -> EmailMultiAlternatives:
    subject, text, html = render_email(
        name, {"site_url": settings.SITE_URL, "unsubscribe_url": unsubscribe_url, **context}
    )
    headers = {"Auto-Submitted": "auto-generated"}
    if unsubscribe_url:
        # RFC 2369 + RFC 8058: mail apps show an unsubscribe button that POSTs, no login needed.
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if message_id:
        headers["Message-ID"] = message_id
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[to], headers=headers, connection=connection
    )
    message.attach_alternative(html, "text/html")
    return message


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


def claim_deliveries(occasions: list[tuple[int, str, str]]) -> None:
    """Insert the pending log rows for many (recipient_id, kind, period) in one statement, so a
    batch's `deliver_once` calls find their row instead of each inserting it."""
    if occasions:
        EmailDelivery.objects.bulk_create(
            [EmailDelivery(recipient_id=r, kind=k, period=p) for r, k, p in occasions],
            ignore_conflicts=True,
        )


def deliver_once(
    *,
    recipient,
    kind: str,
    period: str,
    name: str,
    context: dict,
    unsubscribe_url: str | None = None,
    connection=None,
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
    """
    if not recipient.is_active:
        return False
    occasion = {"recipient_id": recipient.pk, "kind": kind, "period": period}

    def build(delivery: EmailDelivery) -> EmailMultiAlternatives:
        return build_message(
            to=recipient.email,
            name=name,
            context=context,
            unsubscribe_url=unsubscribe_url,
            connection=connection,
            message_id=delivery_message_id(delivery),
        )

    outcome = _send_if_pending(occasion, build)
    if outcome is None and not EmailDelivery.objects.filter(**occasion).exists():
        # Not logged yet (a batch claims its rows up front; a single caller lands here).
        claim_delivery(**occasion)
        outcome = _send_if_pending(occasion, build)
    # None: sent or failed already, or locked by a concurrent sender of the same occasion.
    return bool(outcome)


def _send_if_pending(occasion: dict, build) -> bool | None:
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
            delivery = _lock_and_mark_sent(occasion)
            if delivery is None:
                return None
            build(delivery).send()
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


def _lock_and_mark_sent(occasion: dict) -> EmailDelivery | None:
    """In the caller's transaction: the occasion's PENDING row, locked (skipping a row another
    sender holds) and marked SENT with its attempt counted; None if there is no such row."""
    connection = connections[EmailDelivery.objects.db]
    skip_locked = (
        " FOR UPDATE SKIP LOCKED"
        if connection.features.has_select_for_update_skip_locked
        else ""  # SQLite: one writer at a time, the transaction itself is the lock
    )
    table = connection.ops.quote_name(EmailDelivery._meta.db_table)
    # Only the quoted table name and a fixed clause are interpolated; every value is a parameter.
    sql = (
        f"UPDATE {table} SET status = %s, attempts = attempts + 1, sent_at = %s, last_error = ''"  # noqa: S608
        f" WHERE id = (SELECT id FROM {table} WHERE recipient_id = %s AND kind = %s"
        f" AND period = %s AND status = %s{skip_locked})"
        " RETURNING id, created_at, attempts"
    )
    params = [
        EmailDelivery.Status.SENT,
        connection.ops.adapt_datetimefield_value(timezone.now()),
        occasion["recipient_id"],
        occasion["kind"],
        occasion["period"],
        EmailDelivery.Status.PENDING,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, created_at, attempts = row
    if isinstance(created_at, str):  # SQLite hands back text
        created_at = parse_datetime(created_at)
    if created_at is not None and timezone.is_naive(created_at):
        created_at = timezone.make_aware(created_at, dt.UTC)
    return EmailDelivery(
        pk=pk,
        created_at=created_at,
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
