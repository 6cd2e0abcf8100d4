"""What "once" means, per kind: reminders at most once (a try that may have reached the person
is never repeated), care-team alerts at least once (a try that may not have is repeated, and the
log says it may have come twice). Against a real SMTP server on loopback."""

import datetime as dt
import smtplib

import pytest
from django.utils import timezone

from accounts import unsubscribe
from accounts.delivery import Guarantee, attempts_note, deliver_once
from accounts.models import EmailDelivery
from tests.factories import CareUserFactory, UserFactory

CONTEXT = {
    "greeting_name": "Sam",
    "action_url": "http://127.0.0.1:8000/",
    "settings_url": "http://127.0.0.1:8000/settings/",
    "help_url": "http://127.0.0.1:8000/help/",
}


def remind(person):
    return deliver_once(
        recipient=person,
        kind=unsubscribe.CHECKIN_REMINDER,
        period="2026-11-24",
        name="checkin_reminder",
        context=CONTEXT,
    )


def alert(member):
    return deliver_once(
        recipient=member,
        kind="care_alert",
        period="signal-1",
        name="care_alert",
        context={"dashboard_url": "http://127.0.0.1:8000/care/"},
        guarantee=Guarantee.AT_LEAST_ONCE,
    )


def interrupted(row_filter, *, seconds_ago: int):
    """A row as a killed worker leaves it: its try began (committed), nothing after."""
    EmailDelivery.objects.filter(**row_filter).update(
        status="sending",
        attempts=1,
        attempted_at=timezone.now() - dt.timedelta(seconds=seconds_ago),
    )


@pytest.mark.django_db
def test_a_reminder_whose_send_was_interrupted_is_never_sent_again(smtp_sink, settings):
    person = UserFactory()
    remind(person)  # sent once: make the row look as if the worker died in that send
    smtp_sink.messages.clear()
    interrupted({"recipient": person}, seconds_ago=10 * settings.DELIVERY_INTERRUPTED_AFTER)

    assert remind(person) is False
    assert smtp_sink.messages == []
    row = EmailDelivery.objects.get(recipient=person)
    assert (row.status, row.attempts) == ("sending", 1)
    assert attempts_note(row) == "interrupted: may not have arrived"


@pytest.mark.django_db
def test_an_alert_whose_send_was_interrupted_is_sent_again_and_marked_a_possible_duplicate(
    smtp_sink, settings
):
    member = CareUserFactory()
    alert(member)
    smtp_sink.messages.clear()
    smtp_sink.recipients.clear()
    limit = settings.DELIVERY_INTERRUPTED_AFTER

    interrupted({"recipient": member}, seconds_ago=limit - 30)
    assert alert(member) is False  # maybe still being sent by a slow worker: leave it be
    assert smtp_sink.messages == []

    interrupted({"recipient": member}, seconds_ago=limit + 30)
    assert alert(member) is True
    assert smtp_sink.recipients == [member.email]
    row = EmailDelivery.objects.get(recipient=member)
    assert (row.status, row.attempts, row.unsure_attempts) == ("sent", 2, 1)
    assert attempts_note(row) == "sent after a try that may have arrived too: possibly twice"


@pytest.mark.django_db
def test_no_answer_from_the_server_ends_a_reminder_but_retries_an_alert(smtp_sink, settings):
    settings.EMAIL_TIMEOUT = 0.5
    smtp_sink.delay = 2.0  # the server takes the message and answers too late
    person, member = UserFactory(), CareUserFactory()

    assert remind(person) is False  # no exception: nothing for a retry to do
    with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"):
        alert(member)

    reminder = EmailDelivery.objects.get(recipient=person)
    assert (reminder.status, reminder.unsure_attempts, reminder.last_error) == (
        "sending",
        1,
        "SMTPServerDisconnected",
    )
    smtp_sink.delay = 0
    assert remind(person) is False
    care = EmailDelivery.objects.get(recipient=member)
    assert (care.status, care.unsure_attempts) == ("pending", 1)
    assert alert(member) is True
    care.refresh_from_db()
    assert attempts_note(care) == "sent after a try that may have arrived too: possibly twice"


@pytest.mark.django_db
def test_a_refusal_is_an_answer_so_its_retry_is_no_possible_duplicate(smtp_sink):
    person = UserFactory()
    smtp_sink.replies = ["451 4.3.0 Try again later"]

    with pytest.raises(smtplib.SMTPDataError):
        remind(person)
    assert remind(person) is True

    row = EmailDelivery.objects.get(recipient=person)
    assert (row.status, row.attempts, row.unsure_attempts) == ("sent", 2, 0)
    assert attempts_note(row) == ""
