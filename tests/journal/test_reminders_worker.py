"""Reminders through a real Celery worker process and a real SMTP server: retries after a
temporary refusal end with one email; a worker killed mid-send never sends a second copy
(reminders are at most once); a broker that loses its queue after a dispatch loses no
reminder (the beat logged them as pending, the sweep sends them)."""

import datetime as dt
import time

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from accounts.delivery import attempts_note
from accounts.models import EmailDelivery, User
from journal.reminders.send import reminders_send
from journal.tasks import reminders_dispatch, reminders_sweep
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
    assert delivery.unsure_attempts == 0  # each refusal was an answer: nothing may have doubled


def test_a_worker_killed_after_the_server_took_the_reminder_sends_no_second_copy(
    smtp_sink, short_visibility_timeout, celery_worker_process, tmp_path
):
    require_redis()  # the file broker has no redelivery of unacknowledged tasks
    person = due_patient()
    # The server keeps the message and holds its "250 OK": the worker dies before reading it,
    # the moment that made a second copy when the mark and the send shared one transaction.
    smtp_sink.hold_next = True
    smtp_sink.keep_held = True

    assert reminders_dispatch() == 1  # the beat task, run here; its batches go to the worker
    wait_for(smtp_sink.holding.is_set, timeout=60)
    celery_worker_process.kill()  # SIGKILL, mid-send
    smtp_sink.release.set()

    delivery = EmailDelivery.objects.get(recipient=person)
    assert (delivery.status, delivery.attempts) == ("sending", 1)  # committed before the send

    restarted = WorkerProcess(tmp_path / "worker-restarted.log").start()
    try:
        # The batch comes back after the visibility timeout, and the sweep runs too.
        time.sleep(8)
        reminders_sweep.delay()
        time.sleep(4)
    finally:
        restarted.stop()
    assert b"reminders_send_batch" in (tmp_path / "worker-restarted.log").read_bytes()

    assert smtp_sink.recipients == [person.email]  # the one the server took, and no other
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sending", 1)
    later = timezone.now() + dt.timedelta(seconds=settings.DELIVERY_INTERRUPTED_AFTER + 1)
    assert attempts_note(delivery, now=later) == "interrupted: may not have arrived"


def test_reminders_claimed_before_redis_lost_its_queue_still_arrive_once(
    smtp_sink, transactional_db, monkeypatch, tmp_path
):
    require_redis()
    people = [due_patient() for _ in range(3)]
    from config.celery import app

    with app.connection_for_write() as conn:  # no leftovers of earlier runs on this queue
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)

    assert reminders_dispatch() == 3  # claimed, logged as pending, batch published
    assert EmailDelivery.objects.filter(status="pending").count() == 3
    redis.Redis.from_url(settings.REDIS_URL).flushdb()  # the broker loses the batch
    batch = EmailDelivery.objects.filter(recipient=people[0]).get()

    monkeypatch.setenv("REMINDER_SWEEP_AFTER", "1")  # read by the worker at start
    worker = WorkerProcess(tmp_path / "worker.log").start()
    try:
        time.sleep(1.5)
        reminders_sweep.delay()  # what the every-minute beat entry does
        wait_for(lambda: len(smtp_sink.messages) >= 3, timeout=60)
        reminders_sweep.delay()  # a second sweep finds nothing left to send
        time.sleep(3)
    finally:
        worker.stop()
    # The lost batch turns up after all (a restored queue): it sends nothing twice.
    assert reminders_send(user_ids=[p.pk for p in people], as_of=batch.created_at) == 0

    assert sorted(smtp_sink.recipients) == sorted(p.email for p in people)
    assert set(EmailDelivery.objects.values_list("status", flat=True)) == {"sent"}
