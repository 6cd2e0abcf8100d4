from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_CACHE_KEY = "celery:heartbeat"  # stamped by the worker that runs the heartbeat
BEAT_HEARTBEAT_CACHE_KEY = "celery:beat-heartbeat"  # stamped by beat as it sends it


@shared_task
def heartbeat() -> str:
    """Beat -> broker -> worker -> cache. Proves the wiring; `/healthz` reads the timestamp."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, now, timeout=None)
    return now
