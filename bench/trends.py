"""Trends benchmark: 1,000 patients x 3 years of daily check-ins on PostgreSQL.

Run by hand (not part of the test suite), from the project root:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tl_bench .venv/bin/python bench/trends.py

It creates and seeds the database if needed (generated inside PostgreSQL with generate_series,
so seeding 1.1 M rows takes seconds), then, in the same run, measures the floors and the
trends figures and prints each figure as a ratio to its floor:

  floors: a hello-world view and a one-row database view on the same gunicorn (--workers 2),
          and the plain SQL statement that computes the same weekly rows (summaries and
          activity counts) and writes them into a table of the same shape (rows/s), with the
          summary-only aggregate (nothing written) beside it for reference;
  (a) the trends page of a 3-year patient (req/s and p99 vs the one-row page);
  (b) queries per trends page, every range;
  (c) the weekly job's rows/s vs that plain statement (full rebuild, and the finished week);
  (d) chart data bytes for 3 years, and the chart JavaScript vs plotly-basic's size.

Needs wrk (apt-get install -y wrk). Load goes to 127.0.0.1 only, for a bounded time.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
PLOTLY_BASIC = BASE / "static/vendor/plotly/plotly-basic.min.js"
CHART_JS = BASE / "static/js/charts.js"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--patients", type=int, default=1000)
    p.add_argument("--days", type=int, default=3 * 365)
    p.add_argument("--port", type=int, default=8199)
    p.add_argument("--duration", type=int, default=10, help="seconds of load per URL")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--reseed", action="store_true")
    p.add_argument(
        "--job-only", action="store_true", help="measure only the weekly job (c) and its floors"
    )
    return p.parse_args()


def setup_django(db_url: str, port: int) -> None:
    os.environ.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_HSTS_SECONDS="0",
    )
    os.environ.pop("REDIS_URL", None)  # the bench measures the web and the database alone
    import django

    django.setup()


def ensure_database(db_url: str) -> None:
    import psycopg

    name = db_url.rsplit("/", 1)[1]
    admin_url = db_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def seed(patients: int, days: int, reseed: bool) -> tuple[int, int]:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User

    call_command("migrate", verbosity=0)
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM journal_checkin")
        have = c.fetchone()[0]
    if have >= patients * days and not reseed:
        print(f"seed: reusing {have:,} check-ins")
    else:
        t0 = time.perf_counter()
        with connection.cursor() as c:
            c.execute(
                "TRUNCATE journal_checkin, journal_checkin_activities, journal_weeklysummary, "
                "journal_questionnaireresponse, journal_treatmentsession, journal_course, "
                "journal_signal, "
                "django_session CASCADE"
            )
        User.objects.filter(email__endswith="@bench.test").delete()
        password = make_password("bench-password-not-secret")
        User.objects.bulk_create(
            [
                User(email=f"bench{i:05d}@bench.test", password=password, time_zone="UTC")
                for i in range(patients)
            ],
            batch_size=1000,
        )
        with connection.cursor() as c:
            # Moods wander around each patient's own level, with a slow tide and daily noise.
            c.execute(
                """
INSERT INTO journal_checkin (patient_id, day, mood, energy, interest, anxiety, irritability,
  self_worth, connection, sleep_hours, sleep_quality, appetite, note, integration_shifted,
  integration_carry_forward, version, created_at, updated_at)
SELECT u.id, d::date,
  least(10, greatest(0,
    round(5 + 2 * sin(extract(epoch FROM d) / 2e6 + u.id) + random() * 3 - 1.5)))::int,
  least(10, greatest(0, round(5 + random() * 4 - 2)))::int,
  least(10, greatest(0, round(5 + random() * 4 - 2)))::int,
  least(10, greatest(0, round(4 + random() * 4 - 2)))::int,
  least(10, greatest(0, round(3 + random() * 4 - 2)))::int,
  least(10, greatest(0, round(5 + random() * 4 - 2)))::int,
  least(10, greatest(0, round(5 + random() * 4 - 2)))::int,
  round((5.5 + random() * 3)::numeric, 1), 1 + floor(random() * 5)::int, 'usual', '', '', '',
  1, now(), now()
FROM accounts_user u
CROSS JOIN generate_series(current_date - %s, current_date - 1, interval '1 day') d
WHERE u.email LIKE '%%@bench.test'
""",
                [days],
            )
            c.execute(
                """
INSERT INTO journal_checkin_activities (checkin_id, activity_id, day)
SELECT c.id, a.id, c.day FROM journal_checkin c
JOIN journal_activity a ON a.owner_id IS NULL AND a.name IN ('Movement', 'Time outdoors')
WHERE (a.name = 'Movement' AND c.id %% 3 = 0) OR (a.name = 'Time outdoors' AND c.id %% 5 = 0)
""",
                [],
            )
            c.execute(
                """
INSERT INTO journal_questionnaireresponse (patient_id, instrument, answers, total, band, item9,
  day, submitted_at, submission_key)
SELECT u.id, i.instrument, '[]', (random() * i.top)::int, '', NULL, d::date,
  d + interval '10 hours', gen_random_uuid()
FROM accounts_user u
CROSS JOIN generate_series(current_date - %s, current_date - 1, interval '14 days') d
CROSS JOIN (VALUES ('phq9', 27), ('gad7', 21)) AS i(instrument, top)
WHERE u.email LIKE '%%@bench.test'
""",
                [days],
            )
            c.execute(
                """
INSERT INTO journal_course (patient_id, kind, medication, route, started_on, created_at,
  updated_at)
SELECT u.id, 'maintenance', 'Ketamine', 'iv', current_date - %s + 5, now(), now()
FROM accounts_user u
WHERE u.email LIKE '%%@bench.test'
""",
                [days],
            )
            c.execute(
                """
INSERT INTO journal_treatmentsession (patient_id, started_at, day, kind, dose, provider,
  intention, insights, created_at, updated_at, course_id)
SELECT u.id, d + interval '15 hours', d::date, 'iv', '', '', '', '', now(), now(), c.id
FROM accounts_user u
JOIN journal_course c ON c.patient_id = u.id
CROSS JOIN generate_series(current_date - %s + 5, current_date - 1, interval '60 days') d
WHERE u.email LIKE '%%@bench.test'
""",
                [days],
            )
        print(f"seed: {patients:,} patients x {days} days in {time.perf_counter() - t0:.1f} s")
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")
        c.execute("SELECT count(*) FROM journal_checkin")
        rows = c.fetchone()[0]
    patient = User.objects.filter(email__endswith="@bench.test").order_by("pk").first()
    assert patient is not None, "the seed made no patients"
    return rows, patient.pk


# For reference: the same weekly grouping and aggregates the summaries store, in plain SQL,
# with nothing written. The outer sums make PostgreSQL compute every aggregate: under a bare
# count(*) the planner drops the unused ones and only groups.
AGGREGATES = """
  SELECT patient_id, date_trunc('week', day)::date AS week_start, count(*) AS n,
         avg(mood)::float8 AS a1, min(mood) AS a2, max(mood) AS a3, avg(energy)::float8 AS a4,
         avg(interest)::float8 AS a5, avg(anxiety)::float8 AS a6,
         avg(irritability)::float8 AS a7, avg(self_worth)::float8 AS a8,
         avg(connection)::float8 AS a9, avg(sleep_quality)::float8 AS a10,
         avg(sleep_hours)::float8 AS a11, min(sleep_hours)::float8 AS a12,
         max(sleep_hours)::float8 AS a13
  FROM journal_checkin c {where} GROUP BY 1, 2
"""
_SUMS = "count(*), " + ", ".join(["sum(n)", *(f"sum(a{i})" for i in range(1, 14))])
PLAIN_AGGREGATE = f"SELECT {_SUMS} FROM ({AGGREGATES}) s"  # noqa: S608

# The floor: the plain statement that computes the same rows (summaries and their activity
# counts) and writes them into FLOOR_TABLE, a table of the same shape as the summaries (its
# columns, unique (patient, week) index, week index and foreign key to the user), committed.
FLOOR_TABLE = "bench_weekly_floor"
FLOOR_COLUMNS = (
    "patient_id, week_start, days_logged, mood_mean, mood_min, mood_max, energy_mean, "
    "interest_mean, anxiety_mean, irritability_mean, self_worth_mean, connection_mean, "
    "sleep_quality_mean, sleep_hours_mean, sleep_hours_min, sleep_hours_max, activities, "
    "computed_at"
)
PLAIN_WRITE = f"""
INSERT INTO {FLOOR_TABLE} ({FLOOR_COLUMNS})
SELECT s.patient_id, s.week_start, s.n, s.a1, s.a2, s.a3, s.a4, s.a5, s.a6, s.a7, s.a8, s.a9,
       s.a10, s.a11, s.a12, s.a13, COALESCE(t.activities, '{{{{}}}}'::jsonb), now()
FROM ({AGGREGATES}) s
LEFT JOIN (
  SELECT patient_id, week_start,
         jsonb_object_agg(activity_id::text, jsonb_build_array(n, mood_sum)) AS activities
  FROM (SELECT c.patient_id, date_trunc('week', c.day)::date AS week_start, ca.activity_id,
               count(*) AS n, sum(c.mood) AS mood_sum
        FROM journal_checkin c JOIN journal_checkin_activities ca ON ca.checkin_id = c.id
        {{tag_where}} GROUP BY 1, 2, 3) f
  GROUP BY 1, 2
) t USING (patient_id, week_start)
"""  # noqa: S608


WEEK_REPEATS = 21
REBUILD_REPEATS = 5


def rounds(runs: dict, repeat: int) -> dict[str, list[float]]:
    """Wall times of each run, `repeat` rounds after one warm-up round. `runs` maps a name to
    (setup, fn); setup (untimed, may be None) runs just before its fn. Within a round the
    floor and the job run one after the other, so that the load of other processes on this
    shared machine weighs on both alike: ratios are taken round by round."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for n in range(repeat + 1):
        for name, (setup, fn) in runs.items():
            if setup:
                setup()
            t0 = time.perf_counter()
            fn()
            if n:
                times[name].append(time.perf_counter() - t0)
    return times


def floor_table_create(connection) -> None:
    """FLOOR_TABLE, shaped as journal_weeklysummary: LIKE ... INCLUDING ALL copies the
    columns, defaults, checks and indexes (primary key, unique (patient, week), week); the
    foreign key, which LIKE leaves out, is added as Django declares it."""
    with connection.cursor() as c:
        c.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        c.execute(f"CREATE TABLE {FLOOR_TABLE} (LIKE journal_weeklysummary INCLUDING ALL)")
        c.execute(
            f"ALTER TABLE {FLOOR_TABLE} ADD CONSTRAINT {FLOOR_TABLE}_patient_fk "
            "FOREIGN KEY (patient_id) REFERENCES accounts_user (id) DEFERRABLE INITIALLY DEFERRED"
        )


def measure_weekly_job(total_rows: int) -> dict:
    """Rows/s of the floor, the reference aggregate and the job, and the job's ratios to both
    (medians of the per-round ratios), for a full rebuild and for the finished week."""
    from django.db import connection, transaction

    from journal import weekly as trends

    def execute(sql, params=()):
        with connection.cursor() as c:
            c.execute(sql, params)

    def aggregate(where="", params=()):
        def run():
            with connection.cursor() as c:
                c.execute(PLAIN_AGGREGATE.format(where=where), params)
                c.fetchone()

        return run

    def plain_write(where="", tag_where="", params=(), settings=()):
        # One statement in its own transaction, committed durably, as the job's. It gets the
        # planner settings the job gives itself (journal/weekly.py), so that the ratio
        # compares statements, not settings.
        sql = PLAIN_WRITE.format(where=where, tag_where=tag_where)

        def run():
            with transaction.atomic(), connection.cursor() as c:
                for setting in settings:
                    c.execute(f"SET LOCAL {setting}")
                c.execute(sql, params)

        return run

    def summarise(times: dict[str, list[float]], rows: int, prefix: str) -> dict:
        out: dict[str, Any] = {}
        for name, t in times.items():
            out[f"{prefix}{name}_rows_per_s"] = rows / statistics.median(t)
        for name in times:
            if name.startswith("job_"):
                for floor in ("floor", "aggregate"):
                    ratios = [f / j for f, j in zip(times[floor], times[name], strict=True)]
                    out[f"{prefix}{name}_to_{floor}"] = statistics.median(ratios)
                    out[f"{prefix}{name}_to_{floor}_range"] = (min(ratios), max(ratios))
        return out

    floor_table_create(connection)
    out = {}
    rebuild = rounds(
        {
            "aggregate": (None, aggregate()),
            "floor": (
                lambda: execute(f"TRUNCATE {FLOOR_TABLE}"),
                plain_write(settings=("jit = off", "work_mem = '64MB'")),
            ),
            "job_cold": (
                lambda: execute("TRUNCATE journal_weeklysummary"),
                trends.weekly_summaries_rebuild,
            ),
            "job_warm": (None, trends.weekly_summaries_rebuild),
        },
        REBUILD_REPEATS,
    )
    out.update(summarise(rebuild, total_rows, "all_"))
    with connection.cursor() as c:
        c.execute(f"SELECT count(*) FROM {FLOOR_TABLE}")  # noqa: S608 - a constant
        out["floor_written"] = c.fetchone()[0]
        c.execute("SELECT count(*) FROM journal_weeklysummary")
        out["job_written"] = c.fetchone()[0]

    today = dt.datetime.now(dt.UTC).date()
    start = trends.finished_week(today)
    end = start + dt.timedelta(days=6)
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM journal_checkin WHERE day BETWEEN %s AND %s", [start, end])
        week_rows = c.fetchone()[0]
    out["week_rows"] = week_rows

    def empty_week(table):
        def run():
            execute(f"DELETE FROM {table} WHERE week_start = %s", [start])  # noqa: S608
            # Autovacuum is off on this machine; a week apart, a real server's has long since
            # cleared the deleted rows, which the writes would otherwise wade through.
            execute(f"VACUUM {table}")

        return run

    def job_week():
        trends.weekly_summaries_refresh_finished_week(today=today)

    # A week's figures are tens of milliseconds: WEEK_REPEATS rounds, not 3 or 5, so that one
    # slow run does not move them. Both tables hold every other week.
    week = rounds(
        {
            "aggregate": (None, aggregate("WHERE day BETWEEN %s AND %s", [start, end])),
            "floor": (
                empty_week(FLOOR_TABLE),
                plain_write(
                    "WHERE day BETWEEN %s AND %s",
                    # The tags' own day too, as plain SQL would now write it (checkin_tag_day).
                    "WHERE c.day BETWEEN %s AND %s AND ca.day BETWEEN %s AND %s",
                    [start, end, start, end, start, end],
                    settings=("jit = off", "random_page_cost = 1.1"),
                ),
            ),
            "job_cold": (empty_week("journal_weeklysummary"), job_week),
            "job_warm": (None, job_week),
        },
        WEEK_REPEATS,
    )
    out.update(summarise(week, week_rows, "week_"))
    execute(f"DROP TABLE {FLOOR_TABLE}")
    return out


def page_facts(patient_id: int) -> dict:
    """Queries per page, build time and chart data bytes, per range, through Django's test
    client: once with the charts built (cache emptied first) and once served from the cache."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from journal.charts.page import RANGES

    client = Client()
    client.force_login(User.objects.get(pk=patient_id))
    client.get("/trends/")  # the session's first request refreshes its expiry (a write)
    facts = {}

    def not_tx(captured):
        return [x for x in captured if x["sql"] not in ("BEGIN", "COMMIT")]

    for key in RANGES:
        built_ms, built_queries = [], []
        for _ in range(5):
            cache.clear()
            with CaptureQueriesContext(connection) as built:
                t0 = time.perf_counter()
                client.get(f"/trends/?range={key}")
                built_ms.append((time.perf_counter() - t0) * 1000)
            built_queries.append(len(not_tx(built)))
        cached_ms = []
        for _ in range(20):
            t0 = time.perf_counter()
            client.get(f"/trends/?range={key}")
            cached_ms.append((time.perf_counter() - t0) * 1000)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/trends/?range={key}")
        html = response.content.decode()
        blocks = re.findall(
            r'<script id="chart-[\w-]+-data" type="application/json">(.*?)</script>', html, re.S
        )
        facts[key] = {
            "status": response.status_code,
            "queries_built": max(built_queries),
            "queries_cached": len(not_tx(captured)),
            "ms_built": statistics.median(built_ms),
            "ms_cached": statistics.median(cached_ms),
            "chart_bytes": sum(len(b.encode()) for b in blocks),
            "charts": len(blocks),
            "html_bytes": len(response.content),
        }
    return facts


def session_cookie(patient_id: int) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    user = User.objects.get(pk=patient_id)
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    assert s.session_key is not None
    return s.session_key


def start_gunicorn(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            str(BASE / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=BASE,
        env=dict(os.environ),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(url: str, duration: int, connections: int, cookie: str | None = None) -> dict:
    headers = ["-H", f"Cookie: sessionid={cookie}"] if cookie else []
    base = ["wrk", "-t2", f"-c{connections}", "--latency", *headers]
    subprocess.run([*base, "-d2s", url], check=True, capture_output=True)  # warm-up
    out = subprocess.run([*base, f"-d{duration}s", url], check=True, capture_output=True, text=True)
    text = out.stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
    if found is None or p99 is None:
        raise SystemExit(f"{url}: wrk printed no figures\n{text}")
    rps = float(found.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} error responses\n{text}")
    return {"rps": rps, "p99_ms": float(p99.group(1)) * UNITS[p99.group(2)]}


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SHOW server_version")
        pg = c.fetchone()[0]
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, PostgreSQL {pg}"
    )


def job_lines(job: dict) -> list[tuple[str, str, str]]:
    """The weekly job's floors and figures (c), as (name, value, ratio) lines."""

    def ratios(key: str) -> str:
        low, high = job[f"{key}_to_floor_range"]
        return (
            f"{job[f'{key}_to_floor']:.2f}x the plain statement (goal >= 0.5; rounds "
            f"{low:.2f} to {high:.2f}); {job[f'{key}_to_aggregate']:.2f}x the summary-only "
            "aggregate"
        )

    def rate(key: str) -> str:
        return f"{job[f'{key}_rows_per_s']:,.0f} rows/s"

    return [
        (
            "floor: plain SQL computing and writing the rows, all weeks",
            rate("all_floor"),
            f"({job['floor_written']:,} summaries with activity counts; the job: "
            f"{job['job_written']:,})",
        ),
        ("reference: plain-SQL summary aggregate, nothing written", rate("all_aggregate"), ""),
        (
            "floor: plain SQL computing and writing the rows, finished week",
            rate("week_floor"),
            f"({job['week_rows']:,} check-ins)",
        ),
        ("reference: plain-SQL summary aggregate, finished week", rate("week_aggregate"), ""),
        (
            "(c) rebuild, every week, cold (no rows yet)",
            rate("all_job_cold"),
            ratios("all_job_cold"),
        ),
        (
            "(c) rebuild, every week, warm (nothing changed)",
            rate("all_job_warm"),
            ratios("all_job_warm"),
        ),
        (
            "(c) weekly job, finished week, cold (rows missing)",
            rate("week_job_cold"),
            ratios("week_job_cold"),
        ),
        (
            "(c) weekly job, finished week, warm (rows there)",
            rate("week_job_warm"),
            ratios("week_job_warm"),
        ),
    ]


def print_lines(lines: list[tuple[str, str, str]]) -> None:
    width = max(len(a) for a, _, _ in lines)
    for name, value, ratio in lines:
        print(f"{name:<{width}}  {value:<40}  {ratio}")


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk: apt-get install -y wrk")
    db_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tl_bench")
    if not db_url.startswith("postgres"):
        raise SystemExit("the benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    ensure_database(db_url)
    setup_django(db_url, args.port)
    total_rows, patient_id = seed(args.patients, args.days, args.reseed)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {machine()}  date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"load average at start: {load}")
    print(f"rows: {total_rows:,} check-ins")

    job = measure_weekly_job(total_rows)
    if args.job_only:
        print_lines(job_lines(job))
        return
    facts = page_facts(patient_id)
    cookie = session_cookie(patient_id)
    from django.db import connections

    connections.close_all()

    server = start_gunicorn(args.port)
    try:
        url = f"http://127.0.0.1:{args.port}"
        d, c = args.duration, args.connections
        hello = wrk(f"{url}/bench/hello", d, c)
        one_row = wrk(f"{url}/bench/one-row", d, c)
        one_row_signed_in = wrk(f"{url}/bench/one-row", d, c, cookie)
        page_90 = wrk(f"{url}/trends/?range=90d", d, c, cookie)
        page_all = wrk(f"{url}/trends/?range=all", d, c, cookie)
    finally:
        server.terminate()
        server.wait(20)

    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    js = PLOTLY_BASIC.stat().st_size + CHART_JS.stat().st_size
    max_chart = max(f["chart_bytes"] for f in facts.values())
    max_queries = max(max(f["queries_built"], f["queries_cached"]) for f in facts.values())
    per_range = ", ".join(f"{k}: {f['chart_bytes'] / 1024:.1f}" for k, f in facts.items())
    lines = [
        ("floor: hello-world view", f"{hello['rps']:,.0f} req/s, p99 {hello['p99_ms']:.1f} ms", ""),
        (
            "floor: one-row view",
            f"{one_row['rps']:,.0f} req/s, p99 {one_row['p99_ms']:.1f} ms",
            f"{one_row['rps'] / hello['rps']:.2f}x hello",
        ),
        (
            "floor: one-row view, signed in",
            f"{one_row_signed_in['rps']:,.0f} req/s, p99 {one_row_signed_in['p99_ms']:.1f} ms",
            f"{one_row_signed_in['rps'] / one_row['rps']:.2f}x one-row",
        ),
    ]
    for name, r in (("90 days", page_90), ("all (3 years)", page_all)):
        lines.append(
            (
                f"(a) trends page, {name}: req/s",
                f"{r['rps']:,.0f} req/s",
                f"{r['rps'] / one_row['rps']:.3f}x one-row (goal >= 0.2); "
                f"{r['rps'] / one_row_signed_in['rps']:.3f}x signed-in one-row",
            )
        )
        lines.append(
            (
                f"(a) trends page, {name}: p99",
                f"{r['p99_ms']:.1f} ms",
                f"{r['p99_ms'] / one_row['p99_ms']:.2f}x one-row p99 (goal <= 5); "
                f"{r['p99_ms'] / one_row_signed_in['p99_ms']:.2f}x signed-in",
            )
        )
    lines.append(
        (
            "(b) queries per trends page, built / cached",
            ", ".join(f"{k}: {f['queries_built']}/{f['queries_cached']}" for k, f in facts.items()),
            f"max {max_queries} (goal <= 10, fixed)",
        )
    )
    lines.append(
        (
            "    page time in the bench process, built / cached",
            ", ".join(
                f"{k}: {f['ms_built']:.1f}/{f['ms_cached']:.1f} ms" for k, f in facts.items()
            ),
            "(test client, median)",
        )
    )
    lines += job_lines(job)
    lines += [
        (
            "(d) chart data, 3-year patient, largest range",
            f"{max_chart / 1024:.1f} KB ({per_range})",
            f"{max_chart / (150 * 1024):.2f}x the 150 KB budget",
        ),
        (
            "(d) chart JavaScript (plotly-basic + charts.js)",
            f"{js:,} bytes",
            f"{js / PLOTLY_BASIC.stat().st_size:.3f}x plotly-basic (goal <= 1.25)",
        ),
    ]
    print_lines(lines)
    result = {
        "job": job,
        "pages": facts,
        "wrk": {
            "hello": hello,
            "one_row": one_row,
            "one_row_signed_in": one_row_signed_in,
            "trends_90d": page_90,
            "trends_all": page_all,
        },
        "js_bytes": js,
    }
    print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
