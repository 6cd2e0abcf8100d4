"""Enqueue Celery tasks after commit, without ever failing the request that asked for them."""

import logging

from django.db import transaction

from .celery import ensure_file_broker_folders

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *, caught_up_by: str | None = None, **kwargs) -> None:
    """Send `task` with ids-only kwargs once the current transaction commits.

    A rolled-back transaction enqueues nothing. If the broker is down the patient's data is
    already safe in the database; we log the task name (never its arguments, which may identify a
    person) and what will do the work instead (`caught_up_by`: the sweep that finds the work
    recorded in the database), instead of turning a saved check-in into a 500. With no
    `caught_up_by` the log says plainly that nothing will.
    """
    fallback = (
        f"{caught_up_by} will catch up"
        if caught_up_by
        else "nothing retries it by itself (recorded in the database only)"
    )

    def send() -> None:
        try:
            ensure_file_broker_folders()
            task.apply_async(kwargs=kwargs)
        except Exception:
            logger.warning("could not enqueue %s; %s", task.name, fallback)

    transaction.on_commit(send)
