"""Reminders through a real Celery worker process and a real SMTP server: retries after a
temporary refusal, and a worker killed mid-send, each end with exactly one email."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from accounts.models import EmailDelivery, User
from journal.tasks import reminders_dispatch
from tests.conftest import WorkerProcess, wait_for
from tests.factories import UserFactory
from tests.services import require_redis

pytestmark = pytest.mark.worker


def due_patient() -> User:
    """A patient whose reminder time was a minute ago, in UTC, with only the check-in on."""
    now = timezone.now()
    person = UserFactory.create(
        time_zone="UTC",
        reminder_time=(now - dt.timedelta(minutes=1)).time().replace(second=0, microsecond=0),
        questionnaire_reminder_enabled=False,
        weekly_email_enabled=False,
    )
    User.objects.filter(pk=person.pk).update(next_reminder_at=now - dt.timedelta(minutes=1))
    return person


@pytest.fixture
def short_visibility_timeout(monkeypatch):
    """Redis hands a killed worker's unacknowledged task out again after this many seconds
    (an hour in production). Set before the worker starts: it reads it from the environment."""
    monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", "5")


def test_smtp_451_twice_then_250_makes_one_delivery(smtp_sink, celery_worker_process):
    person = due_patient()
    smtp_sink.replies = ["451 4.3.0 Try again later", "451 4.3.0 Try again later"]

    assert reminders_dispatch() == 1  # the beat task, run here; its batches go to the worker

    wait_for(lambda: smtp_sink.messages, timeout=60)
    time.sleep(2)  # room for a stray duplicate to show up
    assert smtp_sink.recipients == [person.email]
    assert smtp_sink.data_commands == 3
    delivery = EmailDelivery.objects.get(recipient=person)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 3, "")


def test_a_worker_killed_mid_send_is_redelivered_and_the_email_arrives_once(
    smtp_sink, short_visibility_timeout, celery_worker_process, tmp_path
):
    require_redis()  # the file broker has no redelivery of unacknowledged tasks
    person = due_patient()
    smtp_sink.hold_next = True  # the server keeps the first send waiting for its reply

    assert reminders_dispatch() == 1  # the beat task, run here; its batches go to the worker
    wait_for(smtp_sink.holding.is_set, timeout=60)
    celery_worker_process.kill()  # SIGKILL, mid-send, row locked, transaction open
    smtp_sink.release.set()  # the server gives up on the dead client without keeping it

    delivery = wait_for(
        lambda: EmailDelivery.objects.filter(recipient=person, status="pending").first(),
        timeout=30,
    )
    assert delivery.attempts == 0  # the killed attempt rolled back with its transaction
    assert smtp_sink.messages == []

    restarted = WorkerProcess(tmp_path / "worker-restarted.log").start()
    try:
        wait_for(lambda: smtp_sink.messages, timeout=90)
        time.sleep(7)  # longer than the visibility timeout: a second copy would show now
    finally:
        restarted.stop()

    assert smtp_sink.recipients == [person.email]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
