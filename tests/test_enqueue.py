import logging

import pytest
from django.db import transaction

from config.enqueue import enqueue_on_commit
from config.tasks import heartbeat


@pytest.mark.django_db(transaction=True)
def test_a_dead_broker_never_fails_the_request_and_logs_no_arguments(dead_broker, caplog):
    caplog.set_level(logging.WARNING, logger="config.enqueue")

    with transaction.atomic():
        enqueue_on_commit(heartbeat, patient_id=424242)

    assert "could not enqueue config.tasks.heartbeat" in caplog.text
    assert "424242" not in caplog.text  # ids may identify a person: never logged
    # Nothing recorded this work anywhere a sweep looks, and the line says so.
    assert "nothing retries it" in caplog.text


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
