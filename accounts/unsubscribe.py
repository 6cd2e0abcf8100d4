"""Signed unsubscribe links: one click in an email turns one kind of email off, no login needed.

The token is `django.core.signing` over the user id alone, salted per kind, so a link for the
weekly email cannot switch off anything else, and a forged or edited token fails the signature.
No address and nothing about the person's health is in the URL. Links do not expire: an
unsubscribe link in an old email must still work (RFC 8058 expects that).
"""

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


def _salt(kind: str) -> str:
    return f"accounts.unsubscribe.{kind}"


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps(user_id, salt=_salt(kind))


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    token = unsubscribe_token(user_id=user_id, kind=kind)
    path = reverse("notification_unsubscribe", kwargs={"kind": kind, "token": token})
    return f"{settings.SITE_URL}{path}"


def unsubscribe_user(*, kind: str, token: str) -> User | None:
    """The account this link was made for, or None if the link is not valid for this kind."""
    if kind not in PREFERENCES:
        return None
    try:
        user_id = signing.loads(token, salt=_salt(kind))
    except signing.BadSignature:
        return None
    if not isinstance(user_id, int):
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def kind_label(kind: str) -> str:
    return PREFERENCES[kind][1]


@transaction.atomic
def notification_turn_off(*, user: User, kind: str) -> None:
    """Switch one kind of email off and move the reminder schedule to match. Idempotent."""
    field = PREFERENCES[kind][0]
    User.objects.filter(pk=user.pk).update(**{field: False})
    setattr(user, field, False)
    reminder_schedule_refresh(user=user)
