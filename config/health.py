"""`/healthz`: is every part of Tideline working? The database, Redis (the cache and, when it is
another server, the Celery broker), a worker and beat, each named when it fails (503).

Cheap on purpose, because a load balancer calls it every few seconds and it must answer while
the site is busy: it is answered by the first middleware (`HealthCheckMiddleware`), before
sessions, CSRF, authentication and the rest; it runs one `SELECT 1`, one Redis PING and one
read of two cache keys; its Redis client has its own short timeouts. It says nothing about
anyone, so it is public.

Worker and beat: beat sends `config.tasks.heartbeat` every minute and, as it sends it, stamps
BEAT_HEARTBEAT_CACHE_KEY (config/celery.py); the worker that runs the task stamps
HEARTBEAT_CACHE_KEY. A stale beat stamp means beat stopped (or cannot reach the broker); a fresh
beat stamp with a stale worker stamp means no worker is taking tasks.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse
from django.utils import timezone

from .tasks import BEAT_HEARTBEAT_CACHE_KEY, HEARTBEAT_CACHE_KEY

HEALTH_PATH = "/healthz"
# A process that has not yet seen a first heartbeat is "starting", not failed, this long
# after it started (beat sends the first within a minute of starting).
_STARTED = time.monotonic()
_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def _redis(url: str) -> redis.Redis:
    """One client (and connection pool) per URL per process, with timeouts short enough that a
    dead Redis is reported in well under a second."""
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            client = redis.Redis.from_url(
                url, socket_connect_timeout=0.5, socket_timeout=0.5, health_check_interval=30
            )
            _clients[url] = client
        return client


def _database() -> str | None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        return f"cannot query ({type(error).__name__})"
    return None


def _ping(url: str) -> str | None:
    try:
        _redis(url).ping()
    except Exception as error:
        return f"cannot reach Redis ({type(error).__name__})"
    return None


def _age(stamp: str | None, now: dt.datetime) -> float | None:
    if not stamp:
        return None
    try:
        return (now - dt.datetime.fromisoformat(stamp)).total_seconds()
    except (TypeError, ValueError):
        return None


def _heartbeat(age: float | None, max_age: int, what: str) -> str | None:
    if age is None:
        if time.monotonic() - _STARTED < max_age:
            return None  # starting: the first heartbeat is on its way
        return f"no {what} recorded"
    if age > max_age:
        return f"last {what} {int(age)} s ago (more than {max_age} s)"
    return None


def health_report() -> tuple[bool, dict[str, str]]:
    """(all well, {part: "ok" or what is wrong}) for the database, redis, broker, beat, worker."""
    problems: dict[str, str | None] = {"database": _database()}
    redis_url = settings.REDIS_URL
    if redis_url:
        problems["redis"] = _ping(redis_url)
    broker = settings.CELERY_BROKER_URL
    if broker.startswith(("redis://", "rediss://")) and broker != redis_url:
        problems["broker"] = _ping(broker)
    if problems.get("redis"):
        # The cache would answer from this process's memory (config/cache.py): no news of
        # the worker or beat can be had while Redis is down.
        problems["beat"] = problems["worker"] = "unknown while Redis is unreachable"
    else:
        now = timezone.now()
        stamps = cache.get_many([BEAT_HEARTBEAT_CACHE_KEY, HEARTBEAT_CACHE_KEY])
        max_age = settings.HEALTH_HEARTBEAT_MAX_AGE
        beat_age = _age(stamps.get(BEAT_HEARTBEAT_CACHE_KEY), now)
        worker_age = _age(stamps.get(HEARTBEAT_CACHE_KEY), now)
        problems["beat"] = _heartbeat(beat_age, max_age, "heartbeat sent by beat")
        problems["worker"] = _heartbeat(worker_age, max_age, "heartbeat run by a worker")
        if problems["beat"] and problems["worker"]:
            problems["worker"] = "unknown while beat sends no heartbeat"
    report = {part: problem or "ok" for part, problem in problems.items()}
    return all(problem is None for problem in problems.values()), report


def healthz_response() -> HttpResponse:
    healthy, report = health_report()
    body = json.dumps({"status": "ok" if healthy else "failing", "checks": report})
    response = HttpResponse(body, content_type="application/json", status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def healthz(request) -> HttpResponse:
    """The same answer through the URL conf, for anything that calls the view by name."""
    return healthz_response()


class HealthCheckMiddleware:
    """First in MIDDLEWARE: `/healthz` skips every other middleware and the URL resolver."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return healthz_response()
        return self.get_response(request)
