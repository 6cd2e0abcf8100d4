"""What sealing the cached charts costs: the trends page's cached value written and read through
`config.private_cache` (Fernet) against the same value through Django's Redis cache unsealed,
both against a floor measured in the same run.

Run by hand (not part of the test suite), from the project root, with Redis and PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tl_bench_sealed \
    REDIS_URL=redis://127.0.0.1:6379/2 CACHE_KEY_PREFIX=bench-sealed \
        flock /tmp/tideline-bench.lock .venv/bin/python bench/private_cache.py

It makes the database if needed, migrates it, seeds one patient with three years of a lived-in
history (tests/journal/trend_histories.py: daily check-ins with tags, sessions, PHQ-9 and GAD-7)
and renders the trends page once per range, which leaves that range's real cached value (the
rendered charts section and the figures). Then, per range, in rounds (so a machine that slows
mid-run slows all alike), medians of:

  floor:     `cache.get` of a one-byte value: one Redis round trip, nothing to unpickle;
  plain:     `cache.set` + `cache.get` of the value as Django caches it (pickled, unsealed);
  sealed:    `private_cache.put` + `private_cache.get`: pickled, sealed, stored, read, opened;
  seal only: seal + unseal in memory, no Redis: the cryptography's share;
  page:      the trends page served from the (sealed) cache through Django's test client.

Printed as ratios: sealed / plain is the cost of sealing; page shows what share of a cached
page's time that is.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

ROUNDS = 15
PER_ROUND = 20


def setup() -> None:
    db_url = os.environ.get("DATABASE_URL", "")
    if not db_url.startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the bench measures them.")
    name = urlsplit(db_url).path.lstrip("/")
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", name],
        capture_output=True,
        check=False,
    )
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        ENV_FILE="",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        TIDELINE_TESTING="true",
        REQUIRE_TWO_FACTOR="false",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seeded_patient():
    from accounts.models import User
    from tests.journal.trend_histories import rich_history

    email = "sealed-bench@example.test"
    patient = User.objects.filter(email=email).first()
    if patient is None:
        patient = User.objects.create_user(email=email, password=None)
        rich_history(patient, days=3 * 365, end=patient.today())
    return patient


def median_ms(fn, n: int = PER_ROUND) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) * 1000 / n


def main() -> None:
    setup()
    from django.core.cache import cache
    from django.test import Client

    from config import private_cache
    from journal.charts.page import CACHE_NAMES, RANGES

    patient = seeded_patient()
    client = Client()
    client.force_login(patient)
    for range_key in RANGES:
        assert client.get(f"/trends/?range={range_key}").status_code == 200

    cache.set("bench:one-byte", b"x", 600)
    print(
        f"{'range':<6} {'value':>9} {'sealed':>9} {'floor':>7} {'plain':>7} {'sealed':>7} "
        f"{'seal':>7} {'page':>7}  sealed/plain  sealed-plain / page"
    )
    for range_key in RANGES:
        name = CACHE_NAMES[range_key]
        value = private_cache.get(patient.pk, name)
        assert value is not None, "the page did not cache its charts"
        plain_size = len(__import__("pickle").dumps(value, protocol=5))
        sealed_size = len(private_cache.seal(value))
        key = "bench:plain:" + range_key
        runs: dict[str, list[float]] = {k: [] for k in ("floor", "plain", "sealed", "seal", "page")}
        for _ in range(ROUNDS):
            runs["floor"].append(median_ms(lambda: cache.get("bench:one-byte")))

            def plain() -> None:
                cache.set(key, value, 600)  # noqa: B023
                cache.get(key)  # noqa: B023

            def sealed() -> None:
                private_cache.put(patient.pk, name, value, 600)  # noqa: B023
                private_cache.get(patient.pk, name)  # noqa: B023

            runs["plain"].append(median_ms(plain))
            runs["sealed"].append(median_ms(sealed))
            runs["seal"].append(
                median_ms(lambda: private_cache.unseal(private_cache.seal(value)))  # noqa: B023
            )
            runs["page"].append(
                median_ms(lambda: client.get(f"/trends/?range={range_key}"), n=5)  # noqa: B023
            )
        m = {k: statistics.median(v) for k, v in runs.items()}
        print(
            f"{range_key:<6} {plain_size:>8}B {sealed_size:>8}B {m['floor']:>6.2f}ms "
            f"{m['plain']:>6.2f}ms {m['sealed']:>6.2f}ms {m['seal']:>6.2f}ms {m['page']:>6.2f}ms"
            f"  {m['sealed'] / m['plain']:>11.2f}x  {(m['sealed'] - m['plain']) / m['page']:>17.1%}"
        )
        cache.delete(key)


if __name__ == "__main__":
    main()
