"""Real services for tests: Redis, Postgres, a Celery worker process, Chromium.

Locally, on the embedded defaults, a test that needs Postgres or Chromium skips and says why. In
CI (CI=true) the same test fails instead: a missing service there is a broken build, not a pass.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(reason: str):
    if IN_CI:
        pytest.fail(f"CI needs this service: {reason}", pytrace=False)
    pytest.skip(reason)


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        missing("needs PostgreSQL: set DATABASE_URL=postgres://...")


def require_redis() -> None:
    if not settings.REDIS_URL:
        missing("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or ""
    if not path or not os.path.exists(path):
        missing("needs Chromium: apt-get install -y chromium (or set CHROMIUM_PATH)")
    return path


if IN_CI:
    # Fail at collection time, loudly, rather than letting the whole suite run on SQLite.
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise RuntimeError("CI must run the suite on PostgreSQL: set DATABASE_URL")
    if not os.environ.get("REDIS_URL"):
        raise RuntimeError("CI must run the suite on Redis: set REDIS_URL")
