"""Sending email exactly once, with no health data in it.

Each email is a template triplet in templates/emails/: `<name>_subject.txt`, `<name>.txt` and
`<name>.html`. The context must hold only what the templates need for a subject and a link.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import EmailDelivery

logger = logging.getLogger(__name__)


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    subject = render_to_string(f"emails/{name}_subject.txt", context).strip()
    subject = " ".join(subject.splitlines())
    text = render_to_string(f"emails/{name}.txt", context)
    html = render_to_string(f"emails/{name}.html", context)
    return subject, text, html


def build_message(
    *, to: str, name: str, context: dict, unsubscribe_url: str | None = None, connection=None
) -> EmailMultiAlternatives:
    subject, text, html = render_email(name, {"site_url": settings.SITE_URL, **context})
    headers = {"Auto-Submitted": "auto-generated"}
    if unsubscribe_url:
        # RFC 2369 + RFC 8058: mail apps show an unsubscribe button that POSTs, no login needed.
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
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

    The row is locked while sending (SKIP LOCKED: a concurrent duplicate walks away) and marked
    sent in the same transaction. A worker killed mid-send rolls back and the redelivered task
    sends it; SMTP exceptions propagate so the caller's task can retry with backoff.
    """
    delivery = claim_delivery(recipient_id=recipient.pk, kind=kind, period=period)
    if delivery.status != EmailDelivery.Status.PENDING:
        return False
    with transaction.atomic():
        locked = (
            EmailDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery.pk, status=EmailDelivery.Status.PENDING)
            .first()
        )
        if locked is None:
            return False
        locked.attempts += 1
        message = build_message(
            to=recipient.email,
            name=name,
            context=context,
            unsubscribe_url=unsubscribe_url,
            connection=connection,
        )
        message.send()
        locked.status = EmailDelivery.Status.SENT
        locked.sent_at = timezone.now()
        locked.save(update_fields=["status", "attempts", "sent_at"])
    logger.info("sent %s email, delivery %s", kind, locked.pk)
    return True
