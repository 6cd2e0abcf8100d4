"""Recording what a batch of patients is due, and sending each once per channel: emails over one
SMTP connection, notifications over one HTTP session."""

import datetime as dt

import requests
from django.conf import settings
from django.core.mail import get_connection
from django.urls import reverse
from django.utils import timezone

from accounts import unsubscribe as kinds
from accounts.delivery import EMAIL, PUSH, Occasion, claim_deliveries, deliver_once
from accounts.emails import PreparedEmail
from accounts.models import EmailDelivery, PushSubscription, User
from accounts.push import PushMessage, deliver_push_once

from .due import Due, reminders_due

# Where each reminder leads: straight to the thing it is about, one tap from the inbox or the
# notification.
ACTION_URL_NAMES = {
    kinds.CHECKIN_REMINDER: "checkin",
    kinds.QUESTIONNAIRE_DUE: "questionnaires",
    kinds.WEEKLY_SUMMARY: "trends",
    kinds.INTEGRATION_REMINDER: "checkin",
}

# What a notification says: the email's subject in a line, nothing about the person's health
# (it shows on a lock screen).
PUSH_TEXT = {
    kinds.CHECKIN_REMINDER: "A moment for today's check-in",
    kinds.QUESTIONNAIRE_DUE: "A short questionnaire is ready",
    kinds.WEEKLY_SUMMARY: "Your week in Tideline is ready",
    kinds.INTEGRATION_REMINDER: "A moment for integration",
}


def _links() -> dict:
    return {
        "settings_url": f"{settings.SITE_URL}{reverse('profile_settings')}",
        "help_url": f"{settings.SITE_URL}{reverse('need_help_now')}",
    }


def _action_path(kind: str) -> str:
    return reverse(ACTION_URL_NAMES.get(kind, "home"))


def push_message(kind: str) -> PushMessage:
    return PushMessage(title="Tideline", body=PUSH_TEXT[kind], url=_action_path(kind), tag=kind)


def _patients(user_ids: list[int]) -> list[User]:
    return list(
        User.objects.filter(pk__in=user_ids, is_active=True, role=User.Role.PATIENT).order_by("pk")
    )


def reminders_record_pending(*, user_ids: list[int], as_of: dt.datetime) -> int:
    """Log, as pending, every reminder these patients are due at the dispatch moment `as_of`,
    one row per channel, in the caller's transaction (the beat's claim): from then on the
    database knows what must go out, and the sweep sends it if the send batch is lost.
    Returns how many rows were logged."""
    plan = reminders_due(users=_patients(user_ids), as_of=as_of, now=as_of)
    return len(claim_deliveries(_occasions(plan), created_at=as_of))


def _occasions(plan: list[Due]) -> list[Occasion]:
    return [occasion for due in plan for occasion in due.occasions()]


def _logged_rows(user_ids: list[int], as_of: dt.datetime) -> dict[Occasion, int]:
    """The pending rows the beat logged for these patients at `as_of`, by occasion: found by
    primary key afterwards (see accounts.delivery._begin_attempt on why)."""
    rows = EmailDelivery.objects.filter(
        recipient_id__in=user_ids,
        created_at=as_of,
        status=EmailDelivery.Status.PENDING,
        kind__in=list(kinds.PREFERENCES),
    ).values_list("pk", "recipient_id", "kind", "period", "channel")
    return {(r, k, p, c): pk for pk, r, k, p, c in rows}


def reminders_send(
    *,
    user_ids: list[int],
    as_of: dt.datetime,
    now: dt.datetime | None = None,
    connection=None,
) -> int:
    """Send what these patients are due at `as_of`, once each per channel. Returns how many
    emails and notifications this call sent.

    What is due is judged again now: a row the beat logged that is no longer due (the person
    checked in meanwhile, turned that reminder off, or it is too late to help) is marked
    skipped. Transient failures propagate (the task retries the batch; what was sent or tried
    is skipped by the log); permanent ones are recorded and skipped."""
    now = now or timezone.now()
    users = _patients(user_ids)
    plan = reminders_due(users=users, as_of=as_of, now=now)
    wanted = _occasions(plan)
    logged = _logged_rows(user_ids, as_of)
    still_due = set(wanted)
    stale = [pk for occasion, pk in logged.items() if occasion not in still_due]
    if stale:
        EmailDelivery.objects.filter(pk__in=stale, status=EmailDelivery.Status.PENDING).update(
            status=EmailDelivery.Status.SKIPPED
        )
    if not plan:
        return 0
    # Rows a beat did not log (a batch published by older code, a test calling this directly).
    ids = {o: d.pk for o, d in claim_deliveries(wanted, created_at=as_of).items()}
    ids.update(logged)
    emails = [due for due in plan if EMAIL in due.channels]
    pushes = [due for due in plan if PUSH in due.channels]
    return _send_emails(emails, ids, connection=connection) + _send_pushes(pushes, ids)


def _send_emails(plan: list[Due], ids: dict[Occasion, int], *, connection=None) -> int:
    if not plan:
        return 0
    links = _links()
    # A greeting and links. Never a mood, a score, a note or a signal: the email may be read
    # on a shared screen or a lock screen. Each kind is rendered once for the whole batch.
    templates = {due.kind: due.template for due in plan}
    contexts = {
        kind: {"action_url": f"{settings.SITE_URL}{_action_path(kind)}", **links}
        for kind in templates
    }
    prepared = {
        kind: PreparedEmail(name=template, context=contexts[kind])
        for kind, template in templates.items()
    }
    own_connection = connection is None
    connection = connection or get_connection()
    connection.open()
    sent = 0
    try:
        for due in plan:
            pk = ids.get((due.user.pk, due.kind, due.period, EMAIL))
            sent += deliver_once(
                recipient=due.user,
                kind=due.kind,
                period=due.period,
                name=due.template,
                context={"greeting_name": due.user.greeting_name, **contexts[due.kind]},
                unsubscribe_url=kinds.unsubscribe_url(user=due.user, kind=due.kind),
                connection=connection,
                prepared=prepared[due.kind],
                claimed=EmailDelivery(pk=pk) if pk else None,
            )
    finally:
        if own_connection:
            connection.close()
    return sent


def _send_pushes(plan: list[Due], ids: dict[Occasion, int]) -> int:
    if not plan:
        return 0
    devices: dict[int, list[PushSubscription]] = {}
    for subscription in PushSubscription.objects.filter(user_id__in={d.user.pk for d in plan}):
        devices.setdefault(subscription.user_id, []).append(subscription)
    sent = 0
    with requests.Session() as session:  # one connection per push service for the batch
        for due in plan:
            pk = ids.get((due.user.pk, due.kind, due.period, PUSH))
            sent += deliver_push_once(
                recipient=due.user,
                kind=due.kind,
                period=due.period,
                message=push_message(due.kind),
                subscriptions=devices.get(due.user.pk, []),
                session=session,
                claimed=EmailDelivery(pk=pk) if pk else None,
            )
    return sent
