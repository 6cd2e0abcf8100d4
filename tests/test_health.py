"""`/healthz`: the database, Redis, the broker, beat and a worker, each named when it fails;
answered before the heavy middleware."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from config.tasks import BEAT_HEARTBEAT_CACHE_KEY, HEARTBEAT_CACHE_KEY, heartbeat
from tests.conftest import wait_for


def stamp(key, seconds_ago):
    cache.set(key, (timezone.now() - dt.timedelta(seconds=seconds_ago)).isoformat(), None)


@pytest.mark.django_db
def test_all_well_is_200_in_one_query_and_sets_no_cookie(
    client, fresh_heartbeats, django_assert_num_queries
):
    with django_assert_num_queries(1):  # SELECT 1; no session, no user, no URL resolving
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "beat": "ok", "worker": "ok"},
    }
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies
    assert client.head("/healthz").status_code == 200


@pytest.mark.django_db
def test_a_worker_that_stopped_taking_tasks_is_named(client, settings):
    limit = settings.HEALTH_HEARTBEAT_MAX_AGE
    stamp(BEAT_HEARTBEAT_CACHE_KEY, 5)
    stamp(HEARTBEAT_CACHE_KEY, limit + 5)

    response = client.get("/healthz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["worker"].startswith(f"last heartbeat run by a worker {limit + 5} s ago")
    assert (checks["beat"], checks["database"], checks["redis"]) == ("ok", "ok", "ok")


@pytest.mark.django_db
def test_a_heartbeat_just_inside_its_age_is_well(client, settings):
    stamp(BEAT_HEARTBEAT_CACHE_KEY, settings.HEALTH_HEARTBEAT_MAX_AGE - 5)
    stamp(HEARTBEAT_CACHE_KEY, settings.HEALTH_HEARTBEAT_MAX_AGE - 5)
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_a_beat_that_stopped_is_named_not_the_worker(client, settings):
    stamp(BEAT_HEARTBEAT_CACHE_KEY, settings.HEALTH_HEARTBEAT_MAX_AGE + 60)
    stamp(HEARTBEAT_CACHE_KEY, settings.HEALTH_HEARTBEAT_MAX_AGE + 60)

    response = client.get("/healthz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["beat"].startswith("last heartbeat sent by beat")
    assert checks["worker"] == "unknown while beat sends no heartbeat"


@pytest.mark.django_db
def test_redis_unreachable_is_named(client, settings, fresh_heartbeats):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there

    response = client.get("/healthz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"] == "cannot reach Redis (ConnectionError)"
    assert checks["database"] == "ok"


@pytest.mark.django_db
def test_a_broker_on_another_server_is_checked_too(client, settings, fresh_heartbeats):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/1"

    checks = client.get("/healthz").json()["checks"]

    assert checks["broker"] == "cannot reach Redis (ConnectionError)"
    assert checks["redis"] == "ok"


def test_a_database_that_cannot_be_queried_is_named(client, fresh_heartbeats):
    # No `db` fixture: pytest-django refuses every query, as a database that is down would.
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("cannot query")


@pytest.mark.worker
def test_beat_and_a_real_worker_stamp_their_heartbeats(celery_worker_process, client):
    cache.delete_many([BEAT_HEARTBEAT_CACHE_KEY, HEARTBEAT_CACHE_KEY])

    heartbeat.delay()  # what beat does every minute: publishing stamps beat's heartbeat

    assert cache.get(BEAT_HEARTBEAT_CACHE_KEY)
    wait_for(lambda: cache.get(HEARTBEAT_CACHE_KEY), timeout=60)
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
