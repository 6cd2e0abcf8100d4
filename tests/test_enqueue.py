import logging

import pytest
from django.db import transaction

from config.celery import app
from config.enqueue import enqueue_on_commit
from config.tasks import heartbeat


@pytest.fixture
def dead_broker():
    """Point Celery at a port nothing listens on: what a patient's request sees when Redis is
    down. (Only Redis can be "down" this way; the embedded file broker has no server.)"""
    saved = app.conf.broker_url
    app.pool.force_close_all()
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    app._pool = None
    yield
    app.pool.force_close_all()
    app.conf.broker_url = saved
    app._pool = None


@pytest.mark.django_db(transaction=True)
def test_a_dead_broker_never_fails_the_request_and_logs_no_arguments(dead_broker, caplog):
    caplog.set_level(logging.WARNING, logger="config.enqueue")

    with transaction.atomic():
        enqueue_on_commit(heartbeat, patient_id=424242)

    assert "could not enqueue config.tasks.heartbeat" in caplog.text
    assert "424242" not in caplog.text  # ids may identify a person: never logged


def test_a_rolled_back_transaction_enqueues_nothing(django_capture_on_commit_callbacks, db):
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                enqueue_on_commit(heartbeat)
                raise RuntimeError("the save failed")
        except RuntimeError:
            pass
    assert callbacks == []

    with django_capture_on_commit_callbacks() as callbacks:
        enqueue_on_commit(heartbeat)
    assert len(callbacks) == 1
