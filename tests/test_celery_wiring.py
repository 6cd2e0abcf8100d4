import datetime as dt

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from config.tasks import HEARTBEAT_CACHE_KEY, heartbeat
from journal.models import CheckIn, WeeklySummary
from tests.conftest import wait_for
from tests.factories import CheckInFactory
from tests.services import require_postgres


def test_the_beat_schedule_runs_the_heartbeat():
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == heartbeat.name
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


@pytest.mark.worker
def test_a_real_worker_runs_a_task_from_the_broker(celery_worker_process):
    cache.delete(HEARTBEAT_CACHE_KEY)

    heartbeat.delay()

    stamp = wait_for(lambda: cache.get(HEARTBEAT_CACHE_KEY), timeout=60)
    assert stamp.startswith("20")


@pytest.mark.worker
def test_a_worker_keeps_its_database_connection_from_task_to_task(celery_worker_process, patient):
    """CONN_MAX_AGE holds in the worker too: Celery's own Django fixup would close the
    connection around every task (see CELERY_DB_REUSE_MAX), and each task would then pay for a
    new connection and a cold server process."""
    require_postgres()
    from journal.tasks import weekly_summary_refresh

    day = dt.date(2026, 3, 2)
    checkin = CheckInFactory(patient=patient, day=day, mood=4)

    def summary_mood():
        row = WeeklySummary.objects.filter(patient=patient).first()
        return row and row.mood_mean

    def worker_backends():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
            return {pid for (pid,) in cursor.fetchall()}

    weekly_summary_refresh.delay(patient.pk, day.isoformat())
    assert wait_for(summary_mood, timeout=60) == 4.0
    after_first = wait_for(worker_backends)  # the task has ended; its connection is still open

    CheckIn.objects.filter(pk=checkin.pk).update(mood=8)
    weekly_summary_refresh.delay(patient.pk, day.isoformat())
    wait_for(lambda: summary_mood() == 8.0, timeout=60)

    assert worker_backends() == after_first  # the same server process served both tasks
