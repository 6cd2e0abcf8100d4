"""The beat logs what it claims; the sweep sends what no batch did, once, still judged as due."""

import datetime as dt

import pytest

from accounts.models import EmailDelivery
from accounts.schedule import reminder_schedule_refresh
from journal.reminders.dispatch import reminders_dispatch_due
from journal.reminders.sweep import reminders_sweep
from tests.factories import CheckInFactory, UserFactory

pytestmark = pytest.mark.django_db
DISPATCH = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)


def due_people(n: int):
    people = [
        UserFactory.create(
            time_zone="UTC",
            reminder_time=dt.time(20, 0),
            questionnaire_reminder_enabled=False,
            weekly_email_enabled=False,
        )
        for _ in range(n)
    ]
    for person in people:
        reminder_schedule_refresh(user=person, now=DISPATCH - dt.timedelta(hours=1))
    return people


def lost_batch(user_ids, as_of):
    """A broker that drops what it is given."""


def test_the_beat_logs_each_claimed_reminder_and_the_sweep_sends_a_lost_batch_once(
    smtp_sink, settings
):
    people = due_people(2)

    assert reminders_dispatch_due(publish=lost_batch, now=DISPATCH) == 2
    rows = EmailDelivery.objects.filter(status="pending", created_at=DISPATCH)
    assert sorted(rows.values_list("recipient", "period", "channel")) == [
        (p.pk, "2026-11-24", "email") for p in people
    ]

    soon = DISPATCH + dt.timedelta(seconds=settings.REMINDER_SWEEP_AFTER - 1)
    assert reminders_sweep(now=soon) == 0  # the batch may still be on its way
    later = DISPATCH + dt.timedelta(seconds=settings.REMINDER_SWEEP_AFTER + 1)
    assert reminders_sweep(now=later) == 2
    assert reminders_sweep(now=later + dt.timedelta(minutes=1)) == 0

    assert sorted(smtp_sink.recipients) == sorted(p.email for p in people)
    assert set(EmailDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_reminder_no_longer_due_when_swept_is_skipped_not_sent(smtp_sink, settings):
    checked_in, too_late = due_people(2)
    reminders_dispatch_due(publish=lost_batch, now=DISPATCH)
    CheckInFactory(patient=checked_in, day=DISPATCH.date())

    reminders_sweep(now=DISPATCH + dt.timedelta(seconds=settings.REMINDER_SWEEP_AFTER + 1))
    assert smtp_sink.recipients == [too_late.email]
    assert EmailDelivery.objects.get(recipient=checked_in).status == "skipped"


def test_a_reminder_swept_too_late_to_help_is_skipped(smtp_sink):
    [person] = due_people(1)
    reminders_dispatch_due(publish=lost_batch, now=DISPATCH)

    assert reminders_sweep(now=DISPATCH + dt.timedelta(hours=3)) == 0  # 11 p.m.: too late
    assert smtp_sink.messages == []
    assert EmailDelivery.objects.get(recipient=person).status == "skipped"
