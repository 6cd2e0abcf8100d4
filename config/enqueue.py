"""Enqueue Celery tasks after commit, without ever failing the request that asked for them."""

import logging

from django.db import transaction

from .celery import ensure_file_broker_folders

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, **kwargs) -> None:
    """Send `task` with ids-only kwargs once the current transaction commits.

    A rolled-back transaction enqueues nothing. If the broker is down the patient's data is
    already safe in the database; we log the task name (never its arguments, which may identify a
    person) and let the periodic sweeps catch up, instead of turning a saved check-in into a 500.
    """

    def send() -> None:
        try:
            ensure_file_broker_folders()
            task.apply_async(kwargs=kwargs)
        except Exception:
            logger.warning("could not enqueue %s; a periodic sweep will catch up", task.name)

    transaction.on_commit(send)
