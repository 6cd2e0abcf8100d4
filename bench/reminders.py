"""Reminder throughput: seed patients on PostgreSQL, send their due reminders through a real
Celery worker on Redis to an SMTP sink on loopback, and compare with a no-op task's rate.

Run by hand, not in the test suite (it DELETES every account in the database it is given, so
the database name must contain "bench"):

    createdb -h 127.0.0.1 -U postgres tl_reminders_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tl_reminders_bench \\
    REDIS_URL=redis://127.0.0.1:6379/3 \\
    .venv/bin/python bench/reminders.py --patients 100000 --noop-tasks 20000

It prints the no-op task rate, the reminder rate, their ratio (goal >= 0.5) and duplicates
seen at the sink (must be 0): Message-IDs and recipients are counted as they arrive. The sink
(bench/smtp_sink.py) is benchmark scaffolding, not Tideline: a minimal asyncio SMTP responder
in its own process. `--batch-size` overrides REMINDER_BATCH_SIZE for the dispatcher and worker.
"""

import argparse
import datetime as dt
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.smtp_sink import SinkProcess  # noqa: E402 - after the project is on sys.path

QUEUE = "bench-reminders"
ZONES = ["America/New_York", "Europe/London", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata"]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_environment(port: int, batch_size: int | None) -> dict:
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ["CELERY_QUEUE"] = QUEUE
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ["LOG_LEVEL"] = "WARNING"
    if batch_size:  # read by the dispatcher here and by the worker it starts
        os.environ["REMINDER_BATCH_SIZE"] = str(batch_size)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database whose name contains 'bench'.")
    if "bench" not in os.environ["DATABASE_URL"].rsplit("/", 1)[-1]:
        sys.exit("Refusing: this deletes every account; use a database named like *bench*.")
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL (the broker the worker consumes from).")
    import django

    django.setup()
    return dict(os.environ)


def seed(patients: int, now: dt.datetime) -> None:
    """`patients` accounts whose reminder time was a minute ago in one of several time zones,
    none checked in: every one is due. One INSERT ... SELECT generate_series per zone."""
    from django.db import connection

    from accounts.models import User

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE accounts_user RESTART IDENTITY CASCADE")
        per_zone = -(-patients // len(ZONES))
        for index, zone in enumerate(ZONES):
            first = index * per_zone + 1
            last = min(patients, (index + 1) * per_zone)
            local = (now - dt.timedelta(minutes=1)).astimezone(ZoneInfo(zone))
            cursor.execute(
                """
                INSERT INTO accounts_user (
                    password, email, display_name, role, time_zone, reminder_enabled,
                    reminder_time, questionnaire_reminder_enabled, weekly_email_enabled,
                    integration_reminders_enabled, is_active, is_staff, is_superuser,
                    date_joined, next_reminder_at)
                SELECT '!', 'bench' || g || '@bench.test', '', 'patient', %s, true,
                    %s, false, false, false, true, false, false, now(), %s
                FROM generate_series(%s, %s) AS g
                """,
                [
                    zone,
                    local.time().replace(second=0, microsecond=0).isoformat(),
                    now - dt.timedelta(minutes=1),
                    first,
                    last,
                ],
            )
        cursor.execute("ANALYZE accounts_user")
    assert User.objects.filter(next_reminder_at__lte=now).count() == patients


def start_worker(
    env: dict, concurrency: int, log: Path, *, queue: str = QUEUE, loglevel: str = "WARNING"
) -> subprocess.Popen:
    """A real worker on `queue`, returned once it answers a ping; its output goes to `log`."""
    handle = open(log, "wb")  # noqa: SIM115 - lives as long as the worker
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            f"--loglevel={loglevel}",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    from config.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # ready when it answers a ping
        if app.control.ping(timeout=0.5, destination=None):
            return proc
        if proc.poll() is not None:
            break
    sys.exit(f"worker did not start; see {log}")


def queue_idle(client) -> bool:
    return client.llen(QUEUE) == 0 and client.hlen("unacked") == 0


def noop_rate(tasks: int, client) -> float:
    """End to end: publish `tasks` no-op tasks (Celery's built-in `celery.accumulate`, which
    returns its argument and stores nothing) and wait until the queue is drained and acked."""
    from config.celery import app

    noop = app.tasks["celery.accumulate"]
    start = time.perf_counter()
    for _ in range(tasks):
        noop.apply_async(args=(0,))
    while not queue_idle(client):
        time.sleep(0.01)
    return tasks / (time.perf_counter() - start)


def reminder_rate(patients: int, sink: SinkProcess, now: dt.datetime) -> tuple[float, float]:
    from journal.reminders.dispatch import reminders_dispatch_due
    from journal.tasks import reminders_send_batch

    def publish(user_ids, as_of):
        reminders_send_batch.apply_async(kwargs={"user_ids": user_ids, "as_of": as_of.isoformat()})

    start = time.perf_counter()
    claimed = reminders_dispatch_due(publish=publish, now=now)
    dispatched = time.perf_counter() - start
    assert claimed == patients, claimed
    deadline = time.monotonic() + max(600, patients / 50)
    while sink.received() < patients and time.monotonic() < deadline:
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    return sink.received() / elapsed, dispatched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--noop-tasks", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--batch-size", type=int, help="REMINDER_BATCH_SIZE (default: settings)")
    args = parser.parse_args()

    # Started before Django is set up: the sink is a forked process of its own, so it does not
    # share this process's interpreter lock with the dispatcher.
    sink = SinkProcess(free_port())
    sink.start()
    env = setup_environment(sink.port, args.batch_size)

    import redis
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import EmailDelivery
    from config.celery import app

    call_command("migrate", verbosity=0)
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)  # type: ignore[attr-defined] # kombu's virtual channel

    now = timezone.now()
    t = time.perf_counter()
    seed(args.patients, now)
    print(f"seeded {args.patients} patients in {time.perf_counter() - t:.1f} s")

    log = BASE_DIR / "var" / "bench-worker.log"
    log.parent.mkdir(exist_ok=True)
    worker = start_worker(env, args.concurrency, log)
    try:
        # The floor is measured before and after the reminders: on a shared machine the load
        # drifts during a long run, and the mean of the two brackets the reminder phase. A
        # first untimed round warms the worker's child processes (imports, broker channels),
        # so "before" is not penalised for the cold start the reminders would not pay either.
        noop_rate(min(2000, args.noop_tasks), client)
        noop_before = noop_rate(args.noop_tasks, client)
        print(f"no-op task before: {args.noop_tasks} tasks, {noop_before:,.0f} tasks/s")
        rate, dispatched = reminder_rate(args.patients, sink, now)
        time.sleep(3)  # room for late duplicates to arrive
        noop_after = noop_rate(args.noop_tasks, client)
        print(f"no-op task after: {args.noop_tasks} tasks, {noop_after:,.0f} tasks/s")
        noop = (noop_before + noop_after) / 2
    finally:
        worker.terminate()
        worker.wait(30)
        stats = sink.stop()

    received = sum(stats["message_ids"].values())
    duplicate_ids = sum(n - 1 for n in stats["message_ids"].values())
    duplicate_recipients = sum(n - 1 for n in stats["recipients"].values())
    sent_rows = EmailDelivery.objects.filter(status="sent").count()
    print(f"dispatch (claim + publish {args.patients} patients): {dispatched:.1f} s")
    print(
        f"reminders: {received} received, {rate:,.0f} reminders/s "
        f"over {stats['connections']} SMTP connections"
    )
    print(
        f"ratio to no-op task rate (mean of before and after): {rate / noop:.2f}x "
        f"(goal >= 0.5x; {rate / noop_before:.2f}x to before, {rate / noop_after:.2f}x to after)"
    )
    print(
        f"duplicates: {duplicate_ids} by Message-ID, {duplicate_recipients} by recipient; "
        f"delivery log rows sent: {sent_rows}"
    )
    if received != args.patients or duplicate_ids or duplicate_recipients:
        sys.exit(1)


if __name__ == "__main__":
    main()
