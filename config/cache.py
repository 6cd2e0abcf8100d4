"""The cache backend for REDIS_URL: Django's Redis cache, kept up when Redis is not.

Everything the cache holds here can be rebuilt or is only a safeguard: sign-in rate limits and
two-factor code replay checks (allauth), the trends charts, the worker's heartbeat. So when
Redis cannot be reached, an operation is served from this process's own memory instead of
failing the request: without this, a Redis outage made every sign-in a server error. While Redis
is down the rate limits and replay checks still hold, per process, and the charts are rebuilt
per process; after RETRY_AFTER seconds the next operation tries Redis again.

Only "cannot reach Redis" falls back (connection refused, reset or timed out); any other Redis
error is a bug and is raised. The log line names the error's kind only, never a key or the URL.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Seconds to serve from memory, without trying Redis, after an operation could not reach it.
RETRY_AFTER = 10.0
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

# Per process, shared by its threads (Django makes a cache object per thread).
_redis_down_until = 0.0
_state_lock = threading.Lock()


def _falls_back(name: str):
    """The cache operation `name`, tried on Redis and served from memory if Redis is down."""

    def operation(self, *args, **kwargs):
        return self._call(name, *args, **kwargs)

    operation.__name__ = name
    return operation


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        # LocMemCache keeps its entries per name and process, so every thread's cache object
        # shares one store.
        self._fallback = LocMemCache(
            f"redis-fallback:{server}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                # A trends page's charts are up to ~150 KB: at most ~75 MB per process over a
                # long outage (the oldest third goes when full).
                "OPTIONS": {"MAX_ENTRIES": 500},
            },
        )

    def _call(self, name: str, *args, **kwargs):
        global _redis_down_until
        if time.monotonic() >= _redis_down_until:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as error:
                with _state_lock:
                    _redis_down_until = time.monotonic() + RETRY_AFTER
                logger.warning(
                    "cache: Redis unreachable (%s); serving from this process's memory for %d s",
                    type(error).__name__,
                    RETRY_AFTER,
                )
        return getattr(self._fallback, name)(*args, **kwargs)

    # Every operation RedisCache implements; BaseCache builds the rest (get_or_set, decr,
    # incr_version, ...) from these.
    add = _falls_back("add")
    get = _falls_back("get")
    set = _falls_back("set")
    touch = _falls_back("touch")
    delete = _falls_back("delete")
    get_many = _falls_back("get_many")
    has_key = _falls_back("has_key")
    incr = _falls_back("incr")
    set_many = _falls_back("set_many")
    delete_many = _falls_back("delete_many")
    clear = _falls_back("clear")
