"""Signed unsubscribe links: one click in an email turns one kind of email off, no login needed.

The token is `django.core.signing` over the person's random public id (never the database id,
which counts accounts and is in no other URL), salted per kind, so a link for the weekly email
cannot switch off anything else, and a forged or edited token fails the signature. It carries
the time it was made and expires with the email it came in (`LINK_LIFETIME`): long after the
next email of its kind brings a fresh one, so an old email's link works while anyone would
still use it, and a link that leaked into a log or a forwarded message stops working. No
address and nothing about the person's health is in the URL. An expired link, or one from
before these rules (it signed the database id), gets a kind page pointing to Settings.
"""

import datetime as dt
import uuid
from enum import Enum

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from .models import User
from .schedule import reminder_schedule_refresh

CHECKIN_REMINDER = "checkin_reminder"
QUESTIONNAIRE_DUE = "questionnaire_due"
WEEKLY_SUMMARY = "weekly_summary"
INTEGRATION_REMINDER = "integration_reminder"

# Kind of email -> the User switch that turns it off, and how the pages name it.
PREFERENCES = {
    CHECKIN_REMINDER: ("reminder_enabled", "daily check-in reminders"),
    QUESTIONNAIRE_DUE: ("questionnaire_reminder_enabled", "questionnaire reminders"),
    WEEKLY_SUMMARY: ("weekly_email_enabled", "the weekly email"),
    INTEGRATION_REMINDER: ("integration_reminders_enabled", "integration reminders"),
}


# Kind of reminder -> the User switch that sends it as a notification too (accounts/push.py).
# The email unsubscribe link turns off only the email switch.
PUSH_SWITCHES = {
    CHECKIN_REMINDER: "reminder_push",
    QUESTIONNAIRE_DUE: "questionnaire_reminder_push",
    WEEKLY_SUMMARY: "weekly_push",
    INTEGRATION_REMINDER: "integration_reminders_push",
}


# How long a link works after its email was sent: a few of that email's own intervals, so the
# link in last week's (or last month's) email still works, and none works for ever.
LINK_LIFETIME = {
    CHECKIN_REMINDER: dt.timedelta(days=45),  # daily
    INTEGRATION_REMINDER: dt.timedelta(days=45),  # the days after each session
    QUESTIONNAIRE_DUE: dt.timedelta(days=90),  # every two to four weeks
    WEEKLY_SUMMARY: dt.timedelta(days=90),  # weekly
}


class LinkProblem(Enum):
    INVALID = "invalid"  # not ours, edited, for another kind, or its account is gone
    EXPIRED = "expired"  # ours, but older than its kind's lifetime
    OLD_STYLE = "old_style"  # ours, from before links named the person by public id


def _salt(kind: str) -> str:
    return f"accounts.unsubscribe.{kind}"


def unsubscribe_token(*, user: User, kind: str) -> str:
    return signing.dumps(user.public_id.hex, salt=_salt(kind))


def unsubscribe_url(*, user: User, kind: str) -> str:
    token = unsubscribe_token(user=user, kind=kind)
    path = reverse("notification_unsubscribe", kwargs={"kind": kind, "token": token})
    return f"{settings.SITE_URL}{path}"


def unsubscribe_user(*, kind: str, token: str) -> User | LinkProblem:
    """The account this link was made for, or why the link cannot be used."""
    if kind not in PREFERENCES:
        return LinkProblem.INVALID
    try:
        value = signing.loads(token, salt=_salt(kind), max_age=LINK_LIFETIME[kind])
    except signing.SignatureExpired:
        return LinkProblem.EXPIRED
    except signing.BadSignature:
        return LinkProblem.INVALID
    except ValueError:  # a payload that is not JSON: not one we made
        return LinkProblem.INVALID
    if isinstance(value, int):
        return LinkProblem.OLD_STYLE
    try:
        public_id = uuid.UUID(hex=value) if isinstance(value, str) else None
    except ValueError:
        public_id = None
    user = User.objects.filter(public_id=public_id, is_active=True).first() if public_id else None
    return user if user is not None else LinkProblem.INVALID


def kind_label(kind: str) -> str:
    return PREFERENCES[kind][1]


@transaction.atomic
def notification_turn_off(*, user: User, kind: str) -> None:
    """Switch one kind of email off and move the reminder schedule to match. Idempotent."""
    field = PREFERENCES[kind][0]
    User.objects.filter(pk=user.pk).update(**{field: False})
    setattr(user, field, False)
    reminder_schedule_refresh(user=user)
