"""Sending what a batch of patients is due, once each, over one SMTP connection."""

import datetime as dt

from django.conf import settings
from django.core.mail import get_connection
from django.urls import reverse
from django.utils import timezone

from accounts import unsubscribe as kinds
from accounts.delivery import claim_deliveries, deliver_once
from accounts.emails import PreparedEmail
from accounts.models import User

from .due import reminders_due

# Where each email's button leads: straight to the thing it is about, one tap from the inbox.
ACTION_URL_NAMES = {
    kinds.CHECKIN_REMINDER: "checkin",
    kinds.QUESTIONNAIRE_DUE: "questionnaires",
    kinds.WEEKLY_SUMMARY: "trends",
    kinds.INTEGRATION_REMINDER: "checkin",
}


def _links() -> dict:
    return {
        "settings_url": f"{settings.SITE_URL}{reverse('profile_settings')}",
        "help_url": f"{settings.SITE_URL}{reverse('need_help_now')}",
    }


def _action_url(kind: str) -> str:
    return f"{settings.SITE_URL}{reverse(ACTION_URL_NAMES.get(kind, 'home'))}"


def reminders_send(
    *,
    user_ids: list[int],
    as_of: dt.datetime,
    now: dt.datetime | None = None,
    connection=None,
) -> int:
    """Send what these patients are due at `as_of`, once each, over one SMTP connection.
    Returns how many emails this call sent. Transient SMTP errors propagate (the task retries
    the batch; what was sent is skipped by the log); permanent ones are recorded and skipped."""
    now = now or timezone.now()
    users = list(
        User.objects.filter(pk__in=user_ids, is_active=True, role=User.Role.PATIENT).order_by("pk")
    )
    plan = reminders_due(users=users, as_of=as_of, now=now)
    if not plan:
        return 0
    claimed = claim_deliveries([(due.user.pk, due.kind, due.period) for due in plan])
    links = _links()
    # A greeting and links. Never a mood, a score, a note or a signal: the email may be read
    # on a shared screen or a lock screen. Each kind is rendered once for the whole batch.
    templates = {due.kind: due.template for due in plan}
    contexts = {kind: {"action_url": _action_url(kind), **links} for kind in templates}
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
            sent += deliver_once(
                recipient=due.user,
                kind=due.kind,
                period=due.period,
                name=due.template,
                context={"greeting_name": due.user.greeting_name, **contexts[due.kind]},
                unsubscribe_url=kinds.unsubscribe_url(user_id=due.user.pk, kind=due.kind),
                connection=connection,
                prepared=prepared[due.kind],
                claimed=claimed.get((due.user.pk, due.kind, due.period)),
            )
    finally:
        if own_connection:
            connection.close()
    return sent
