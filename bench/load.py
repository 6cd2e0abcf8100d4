"""Load, measured with locust on loopback for a bounded time: patients who check in once and then
browse, clinicians on the dashboard, with the one-row page and /healthz probed under the same
load, against gunicorn with the production settings (bench.settings: the floor views added) on
PostgreSQL and Redis, a Celery worker taking the refresh tasks. Then where a check-in's cost
goes, in-process: the web request, the refresh task (week and signals), the chart rebuild.

    flock /tmp/tideline-bench.lock env \\
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/tl_bench_load \\
      REDIS_URL=redis://127.0.0.1:6379/3 \\
      .venv/bin/python bench/load.py --users 20 --time 45 --port 8551

Each server layout runs in turn (`--layouts`): `sync` (gunicorn --workers 2, today's), `gthread`
(--workers 2 --threads 4), `sync+health` (sync, with /healthz on a second one-worker gunicorn on
port+1, as a load balancer would call it). Goals (issue 14): 0 errors, p95 of every page at most
10x the one-row page's p95, /healthz p95 under 50 ms. Accounts: 40 patients with the demo
history, 2 clinicians (with an authenticator) sharing all of them; sessions are made in the
database, so password hashing is not in the figures. The care-page rate limit is raised for
the two clinicians' bench traffic (CARE_PATIENT_PAGES_RATE_LIMIT).
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

PATIENTS = 40
CLINICIANS = 2


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=8551)
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--time", type=int, default=45, help="seconds of load per layout")
    p.add_argument("--layouts", default="sync,gthread,sync+health")
    p.add_argument("--profile-only", action="store_true")
    return p.parse_args()


def setup(db_url: str, redis_url: str) -> None:
    if "bench" not in db_url.rsplit("/", 1)[1]:
        raise SystemExit("use a database whose name contains 'bench'")
    os.environ.update(
        DATABASE_URL=db_url,
        REDIS_URL=redis_url,
        CELERY_QUEUE="loadbench",
        CACHE_KEY_PREFIX="loadbench",
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_HSTS_SECONDS="0",
        CARE_PATIENT_PAGES_RATE_LIMIT="100000/m",
    )
    from bench.trends import ensure_database

    ensure_database(db_url)
    import django

    django.setup()


def seed() -> dict:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.core.management import call_command

    from accounts.demo import demo_user_ensure
    from accounts.models import User
    from bench.trends import session_cookie
    from careteam.models import CareTeam, Membership, Share
    from journal.access import Scope
    from journal.demo import demo_trends_refresh, seed_journal_history
    from journal.models import SCALE_FIELDS, CheckIn

    call_command("migrate", verbosity=0)
    team, _ = CareTeam.objects.get_or_create(name="Bench clinic", defaults={"join_code": "BENCH01"})
    patients = []
    for n in range(PATIENTS):
        p = demo_user_ensure(
            email=f"patient{n}@load.bench.test",
            role=User.Role.PATIENT,
            display_name=f"P{n}",
            time_zone="Europe/London",
        )
        if not CheckIn.objects.filter(patient=p).exists():
            seed_journal_history(p)
            demo_trends_refresh(patient_id=p.pk)
        Share.objects.get_or_create(patient=p, team=team, defaults={"scope": Scope.TRENDS})
        patients.append({"session": session_cookie(p.pk), "public_id": str(p.public_id)})
    clinicians = []
    for n in range(CLINICIANS):
        c = demo_user_ensure(
            email=f"clinician{n}@load.bench.test",
            role=User.Role.CARE,
            display_name=f"C{n}",
            time_zone="Europe/London",
        )
        Membership.objects.get_or_create(team=team, user=c, defaults={"role": "clinician"})
        if not Authenticator.objects.filter(user=c).exists():
            TOTP.activate(c, generate_totp_secret())
        clinicians.append({"session": session_cookie(c.pk)})
    # Each run starts from "not checked in today", so every patient's check-in is a new day.
    today = {p["public_id"] for p in patients}
    CheckIn.objects.filter(
        patient__public_id__in=today, day__gte=time.strftime("%Y-%m-%d")
    ).delete()
    return {"patients": patients, "clinicians": clinicians, "scale_fields": list(SCALE_FIELDS)}


def start(argv: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        argv, cwd=BASE, env=dict(os.environ), stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def wait_up(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/hello", timeout=1)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn on {port} did not start")


def gunicorn(port: int, layout: str, log: Path) -> list[subprocess.Popen]:
    web = [
        str(BASE / ".venv/bin/gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--log-level",
        "warning",
    ]
    if layout == "gthread":
        web += ["--worker-class", "gthread", "--threads", "4"]
    procs = [start(web, log)]
    wait_up(port)
    if layout == "sync+health":
        health = [
            str(BASE / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port + 1}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ]
        procs.append(start(health, log))
        wait_up(port + 1)
    return procs


def run_locust(
    port: int, layout: str, users: int, seconds: int, accounts: Path, folder: Path
) -> dict:
    env = dict(os.environ, LOAD_ACCOUNTS=str(accounts))
    if layout == "sync+health":
        env["LOAD_HEALTH_URL"] = f"http://127.0.0.1:{port + 1}/healthz"
    prefix = folder / layout
    subprocess.run(
        [
            str(BASE / ".venv/bin/locust"),
            "-f",
            str(BASE / "bench/locustfile.py"),
            "--headless",
            "-u",
            str(users + 2),
            "-r",
            "10",
            "-t",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        check=False,
        cwd=BASE,
        capture_output=True,
    )
    rows = {}
    with open(f"{prefix}_stats.csv") as f:
        for row in csv.DictReader(f):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50": float(row["50%"] or 0),
                "p95": float(row["95%"] or 0),
                "rps": float(row["Requests/s"] or 0),
            }
    return rows


def report(layout: str, rows: dict) -> None:
    floor = rows["one-row (floor)"]["p95"] or 1
    total = rows.pop("Aggregated")
    print(
        f"\n[{layout}] {total['requests']} requests, {total['rps']:.1f} req/s, "
        f"{total['failures']} errors"
    )
    print(f"  {'page':22} {'n':>6} {'err':>4} {'p50 ms':>7} {'p95 ms':>7} {'p95/floor':>9}")
    for name, r in sorted(rows.items()):
        print(
            f"  {name:22} {r['requests']:6} {r['failures']:4} {r['p50']:7.0f} {r['p95']:7.0f} "
            f"{r['p95'] / floor:8.1f}x"
        )


def profile_checkin() -> None:
    """Where a check-in's cost goes, one patient, medians of 15 saves of different days."""
    import datetime as dt

    from django.test import Client

    from accounts.models import User
    from journal import stale
    from journal.charts import page
    from journal.models import SCALE_FIELDS, StaleWeek
    from journal.signals import signals_evaluate
    from journal.weekly import week_start, weekly_summary_refresh

    patient = User.objects.get(email="patient0@load.bench.test")
    client = Client()
    client.force_login(patient)
    from journal.access import own_journal

    times: dict[str, list[float]] = {
        "web: POST /checkin/<day>/": [],
        "task: week summary": [],
        "task: warning signs": [],
        "task: stale-week refresh (both + outbox)": [],
        "trends page, charts rebuilt": [],
        "trends page, charts cached": [],
    }
    today = patient.today()
    for n in range(15):
        day = today - dt.timedelta(days=200 + n)  # days the demo history does not hold
        data = {"version": "0", "mood": "5"}
        for name in SCALE_FIELDS:
            data[name], data[f"{name}_skip"] = "5", "on"
        t = time.perf_counter()
        r = client.post(f"/checkin/{day.isoformat()}/", data)
        times["web: POST /checkin/<day>/"].append(time.perf_counter() - t)
        assert r.status_code in (200, 302), r.status_code
        t = time.perf_counter()
        weekly_summary_refresh(patient_id=patient.pk, day=day)
        times["task: week summary"].append(time.perf_counter() - t)
        t = time.perf_counter()
        signals_evaluate(patient_id=patient.pk)
        times["task: warning signs"].append(time.perf_counter() - t)
        t = time.perf_counter()
        stale.stale_week_refresh(patient_id=patient.pk, week=week_start(day))
        times["task: stale-week refresh (both + outbox)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        client.get("/trends/")
        times["trends page, charts rebuilt"].append(time.perf_counter() - t)
        t = time.perf_counter()
        client.get("/trends/")
        times["trends page, charts cached"].append(time.perf_counter() - t)
    del page, own_journal, StaleWeek
    print("\nA check-in's cost (medians of 15, in-process, PostgreSQL + Redis):")
    for name, values in times.items():
        print(f"  {name:42} {statistics.median(values) * 1000:7.1f} ms")


def main() -> None:
    args = parse_args()
    db_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tl_bench_load")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3")
    setup(db_url, redis_url)
    accounts = seed()
    if args.profile_only:
        profile_checkin()
        return
    folder = Path(tempfile.mkdtemp(prefix="tideline-load-"))
    accounts_file = folder / "accounts.json"
    accounts_file.write_text(json.dumps(accounts))
    log = folder / "servers.log"
    worker = start(
        [
            str(BASE / ".venv/bin/celery"),
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
        ],
        log,
    )
    try:
        for layout in args.layouts.split(","):
            seed()  # every patient's check-in is new again
            procs = gunicorn(args.port, layout, log)
            try:
                rows = run_locust(args.port, layout, args.users, args.time, accounts_file, folder)
            finally:
                for proc in procs:
                    proc.terminate()
                    proc.wait(20)
            report(layout, rows)
    finally:
        worker.terminate()
        worker.wait(20)
    print(f"\n(logs and locust CSVs in {folder})")
    profile_checkin()


if __name__ == "__main__":
    main()
