"""The per-save trends refresh through a real Celery worker, against a no-op task's time.

Uses the trends bench's database (bench/trends.py seeds it: 1,000 patients x 3 years) and a
Redis database of its own; changes no data but the weekly summaries it recomputes:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tl_bench \\
    REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python bench/refresh_tasks.py --tasks 300

It queues one `weekly_summary_refresh` per patient (the task each check-in save enqueues), then
as many `heartbeat` tasks (the floor: a task that only writes one cache key), starts one
worker and reads each task's own run time from the worker's log ("succeeded in ...s"). It
prints the medians and their ratio.
"""

import argparse
import datetime as dt
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.reminders import start_worker  # noqa: E402 - after the project is on sys.path

QUEUE = "bench-refresh"


def run_worker(expected: int, log_path: Path) -> list[float]:
    """Start a worker, wait until it has run `expected` tasks, stop it; their run times."""
    worker = start_worker(
        {**os.environ, "PYTHONUNBUFFERED": "1"}, 1, log_path, queue=QUEUE, loglevel="INFO"
    )
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline:
            times = re.findall(rb"succeeded in ([0-9.]+)s", log_path.read_bytes())
            if len(times) >= expected:
                return [float(t) for t in times]
            time.sleep(0.1)
        raise SystemExit(f"the worker ran {len(times)} of {expected} tasks in 10 minutes")
    finally:
        worker.terminate()
        worker.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=300)
    args = parser.parse_args()
    if "bench" not in os.environ.get("DATABASE_URL", "") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL to the trends bench database and REDIS_URL")
    os.environ.update(DJANGO_SETTINGS_MODULE="config.settings", CELERY_QUEUE=QUEUE)
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    from accounts.models import User
    from config.celery import app
    from config.tasks import heartbeat
    from journal.tasks import weekly_summary_refresh

    patients = list(
        User.objects.filter(email__endswith="@bench.test")
        .order_by("pk")
        .values_list("pk", flat=True)[: args.tasks]
    )
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)  # type: ignore[attr-defined] # kombu's virtual channel
    logs = Path(tempfile.mkdtemp(prefix="tideline-bench-refresh-"))
    day = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=3)).isoformat()
    for patient_id in patients:
        weekly_summary_refresh.delay(patient_id, day)
    refresh = run_worker(len(patients), logs / "refresh.log")
    for _ in patients:
        heartbeat.delay()
    floor = run_worker(len(patients), logs / "heartbeat.log")

    refresh_ms, floor_ms = statistics.median(refresh) * 1000, statistics.median(floor) * 1000
    print(f"floor: heartbeat task, median run time   {floor_ms:7.2f} ms ({len(floor)} tasks)")
    print(
        f"weekly_summary_refresh, median run time  {refresh_ms:7.2f} ms ({len(refresh)} tasks)"
        f"  {refresh_ms / floor_ms:.1f}x the floor"
    )


if __name__ == "__main__":
    main()
