"""Redis down must not take the site down: the cache falls back to the process's memory.

A dead Redis here is a port nothing listens on (connection refused at once), as in
tests/test_enqueue.py for the broker.
"""

import logging

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from config import cache as fallback
from tests.factories import PASSWORD
from tests.services import require_redis

DEAD_REDIS = "redis://127.0.0.1:9/0"


def redis_cache(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "config.cache.FallbackRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "tideline-fallback-test",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.fixture
def redis_is_up_again():
    """Each test starts with Redis believed reachable, and leaves it so."""
    fallback._redis_down_until = 0.0
    yield
    fallback._redis_down_until = 0.0


@pytest.fixture
def dead_redis_cache(redis_is_up_again):
    with override_settings(CACHES=redis_cache(DEAD_REDIS)):
        cache.clear()  # the memory store (Redis cannot be reached), shared by name
        fallback._redis_down_until = 0.0  # the test's first call finds Redis down itself
        yield


@pytest.mark.django_db
def test_with_redis_down_a_patient_signs_in_and_sees_their_trends(
    dead_redis_cache, client, patient, caplog
):
    caplog.set_level(logging.WARNING, logger="config.cache")

    response = client.post(reverse("account_login"), {"login": patient.email, "password": PASSWORD})

    assert response.status_code == 302  # before: a server error, for everyone
    assert client.get(reverse("trends")).status_code == 200
    warnings = [r for r in caplog.records if r.name == "config.cache"]
    assert len(warnings) == 1  # once per outage window, not once per cache call
    assert "ConnectionError" in warnings[0].getMessage()
    assert patient.email not in caplog.text and "allauth" not in caplog.text  # no keys


@pytest.mark.django_db
def test_with_redis_down_sign_in_rate_limits_still_hold(dead_redis_cache, client, patient):
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": patient.email, "password": "wrong-password-xx"})

    response = client.post(url, {"login": patient.email, "password": PASSWORD})

    assert "Too many failed login attempts" in response.content.decode()
    assert client.get(reverse("profile_settings")).status_code == 302


def test_with_redis_down_the_cache_still_answers_every_operation(dead_redis_cache):
    assert cache.add("k", 1) is True and cache.add("k", 2) is False
    assert cache.incr("k") == 2
    cache.set_many({"a": "x", "b": "y"})
    assert cache.get_many(["a", "b", "k"]) == {"a": "x", "b": "y", "k": 2}
    assert cache.get_or_set("c", "z") == "z" and cache.has_key("c")
    cache.delete_many(["a", "b"])
    assert cache.get("a") is None and cache.touch("k")


def test_with_redis_up_entries_live_in_redis_and_it_is_tried_again_after_an_outage(
    redis_is_up_again,
):
    require_redis()
    with override_settings(CACHES=redis_cache(settings.REDIS_URL)):
        raw = redis.Redis.from_url(settings.REDIS_URL)
        cache.set("shared", "across processes", 30)
        assert raw.exists(cache.make_key("shared")) == 1

        fallback._redis_down_until = float("inf")  # as if it had just failed
        cache.set("shared", "this process only", 30)
        assert cache.get("shared") == "this process only"
        assert raw.get(cache.make_key("shared")) is not None  # Redis untouched meanwhile

        fallback._redis_down_until = 0.0  # RETRY_AFTER has passed
        assert cache.get("shared") == "across processes"
        cache.delete("shared")
        assert raw.exists(cache.make_key("shared")) == 0
