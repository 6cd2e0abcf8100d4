import pytest
from django.conf import settings
from django.core.cache import cache

from config.tasks import HEARTBEAT_CACHE_KEY, heartbeat
from tests.conftest import wait_for


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
