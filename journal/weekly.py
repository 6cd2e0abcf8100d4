"""Weekly summaries: a patient's local weeks, computed in the database, set-based.

One statement per batch of patients (or, for the beat job, per week of every patient)
aggregates the check-ins by local week (Monday start; `CheckIn.day` is already the patient's
local date) with their tags, and upserts the rows. No check-in row ever passes through Python.
A week's row is computed from that week's own check-ins and tags and nothing else, so any one
week can be recomputed alone, and a save recomputes only the week it changed. The statement
only rewrites a row whose values changed, so running it twice, or twice at once, leaves the same
rows (and the same `computed_at`) as running it once.

Plain SQL rather than the ORM because Django has no INSERT ... SELECT ... ON CONFLICT, and a
round trip of every weekly row through Python was the slow part (shared/NOTES.md). The two
vendors differ in date arithmetic, JSON building and means (`_vendor_sql`), and PostgreSQL
removes emptied weeks inside the upsert statement where SQLite needs a statement of its own.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from . import measures
from .models import CheckIn, CheckInActivity, WeeklySummary

logger = logging.getLogger(__name__)

BATCH_SIZE = 500

# What a summary stores: the days logged, each measure's weekly statistics as the registry
# (journal.measures) lists them, and the tag counts; `_aggregates` turns each into its SQL.
SUMMARY_COLUMNS = (
    "days_logged",
    *(column for m in measures.MEASURES for column in m.weekly_columns()),
    "activities",
)


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def _vendor_sql() -> dict[str, str]:
    if connection.vendor == "postgresql":
        # Chosen for speed over a million check-ins (bench/trends.py), same results:
        # - week: 0001-01-01 was a Monday; whole days since then, less the weekday. A quarter
        #   of the grouping's time went on date_trunc's timestamp round trip.
        # - mean: an integer sum over a count; AVG of a smallint returns numeric.
        # - activity_object: JSON text of integers only (nothing to escape), parsed once;
        #   jsonb_object_agg builds and sorts a jsonb value per row added (~0.15 s a batch).
        return {
            "week": "({col} - ({col} - DATE '0001-01-01') %% 7)",
            "week_end": "({col} + 6)",
            "daynum": "({col} - DATE '2000-01-01')",
            "float": "({expr})::float8",
            "mean": "(SUM({col})::float8 / NULLIF(COUNT({col}), 0))",
            "distinct": "IS DISTINCT FROM",
            "activity_object": (
                "('{{' || string_agg('\"' || {id} || '\":[' || {days} || ',' || {mood} || ']', "
                "',') || '}}')::jsonb"
            ),
            "no_activities": "'{}'::jsonb",
            "then_order": "",
        }
    # SQLite: 'weekday 0' moves forward to the Sunday (or stays on it); minus six is the Monday.
    return {
        "week": "date({col}, 'weekday 0', '-6 days')",
        "week_end": "date({col}, '+6 days')",
        "daynum": "CAST(julianday({col}) - julianday('2000-01-01') AS INTEGER)",
        "float": "({expr})",
        "mean": "AVG({col})",
        "distinct": "IS NOT",
        "activity_object": "json_group_object({id}, json_array({days}, {mood}))",
        "no_activities": "'{}'",
        # json_group_object keeps its input's order, and rows are compared as text: in order
        # of activity, so an unchanged week compares equal.
        "then_order": "ORDER BY 1, 2, 3",
    }


def _aggregates() -> dict[str, str]:
    """Each summary column but `activities`: its SQL over the week's check-ins `c`."""
    v = _vendor_sql()
    f, mean = v["float"].format, v["mean"].format
    columns = {"days_logged": "COUNT(*)"}
    for m in measures.MEASURES:
        for stat in m.weekly:
            col = f"c.{m.name}"
            if m.kind is measures.Kind.HOURS:
                # A decimal: AVG is exact here, and only the result is converted.
                sql = f(expr=f"{'AVG' if stat == 'mean' else stat.upper()}({col})")
            else:
                sql = mean(col=col) if stat == "mean" else f"{stat.upper()}({col})"
            columns[f"{m.name}_{stat}"] = sql
    return columns


def _checkin_aggregates() -> str:
    """The week's summary columns over its check-ins `c`, as select-list items, in
    SUMMARY_COLUMNS order (all but `activities`)."""
    aggregates = _aggregates()
    return ", ".join(f"{aggregates[c]} AS {c}" for c in SUMMARY_COLUMNS if c != "activities")


def _activities(where: str, week: str) -> str:
    """A subquery: per patient and week (`week`, an expression over the check-in `c`) of the
    check-ins matching `where`, `activities` as WeeklySummary stores it."""
    v = _vendor_sql()
    t_checkin = CheckIn._meta.db_table
    t_through = CheckInActivity._meta.db_table
    pairs = v["activity_object"].format(id="f.activity_id", days="f.days", mood="f.mood_sum")
    return f"""(
  SELECT f.patient_id AS patient_id, f.week_start AS week_start, {pairs} AS activities
  FROM (
    SELECT c.patient_id AS patient_id, {week} AS week_start, ca.activity_id AS activity_id,
           COUNT(*) AS days, SUM(c.mood) AS mood_sum
    FROM {t_checkin} c JOIN {t_through} ca ON ca.checkin_id = c.id
    WHERE {where}
    GROUP BY c.patient_id, {week}, ca.activity_id {v["then_order"]}
  ) f
  GROUP BY f.patient_id, f.week_start
)"""  # noqa: S608 - table names and constants of this module; values are parameters


def _upsert(*, weeks: str, activities: str, on: str, gone: str) -> str:
    """One statement: the computed weeks `a` (subquery `weeks`) with their activity counts
    (`activities`, joined `on`), upserted; on PostgreSQL the rows matching `gone` whose week has
    no check-in left are removed in the same statement.

    Only a row whose values changed is rewritten, so `computed_at` stays put otherwise and a
    second run writes nothing.
    """
    table = WeeklySummary._meta.db_table
    v = _vendor_sql()
    values = ", ".join(
        f"COALESCE(ac.activities, {v['no_activities']})" if c == "activities" else f"a.{c}"
        for c in SUMMARY_COLUMNS
    )
    deleting = ""
    if connection.vendor == "postgresql":
        # A data-modifying CTE over the grouped weeks already at hand; its rows and the
        # upsert's are disjoint. SQLite has no such CTE and runs _empty_weeks_sql afterwards.
        deleting = f""",
gone AS (
  DELETE FROM {table} w
  WHERE {gone}
    AND NOT EXISTS (SELECT 1 FROM a WHERE a.patient_id = w.patient_id
                                      AND a.week_start = w.week_start)
)"""  # noqa: S608 - table names only; values are parameters
    updates = ", ".join(f"{c} = excluded.{c}" for c in (*SUMMARY_COLUMNS, "computed_at"))
    changed = " OR ".join(f"{table}.{c} {v['distinct']} excluded.{c}" for c in SUMMARY_COLUMNS)
    return f"""
WITH a AS ({weeks}){deleting}
INSERT INTO {table} (patient_id, week_start, {", ".join(SUMMARY_COLUMNS)}, computed_at)
SELECT a.patient_id, a.week_start, {values}, %(now)s
FROM a LEFT JOIN {activities} ac ON {on}
WHERE TRUE
ON CONFLICT (patient_id, week_start) DO UPDATE SET {updates} WHERE {changed}
"""  # noqa: S608 - table names and constants of this module; values are parameters


def _upsert_sql(n_ids: int) -> str:
    """Every week of a batch of `n_ids` patients in [start, end], from their check-ins and
    tags alone. Named parameters: p0..p{n-1}, start, end, now."""
    t_checkin = CheckIn._meta.db_table
    week = _vendor_sql()["week"].format(col="c.day")
    ids = ", ".join(f"%(p{i})s" for i in range(n_ids))
    checkins = f"c.patient_id IN ({ids}) AND c.day BETWEEN %(start)s AND %(end)s"
    return _upsert(
        weeks=f"""
  SELECT c.patient_id AS patient_id, {week} AS week_start, {_checkin_aggregates()}
  FROM {t_checkin} c
  WHERE {checkins}
  GROUP BY c.patient_id, {week}
""",  # noqa: S608 - table names and constants of this module; values are parameters
        activities=_activities(checkins, week),
        on="ac.patient_id = a.patient_id AND ac.week_start = a.week_start",
        gone=f"w.patient_id IN ({ids}) AND w.week_start BETWEEN %(start)s AND %(end)s",
    )


def _week_upsert_sql() -> str:
    """One week of every patient who logged in it, driven by the index on `day` (no list of
    ids). Named parameters: start, end (the week), now."""
    t_checkin = CheckIn._meta.db_table
    # The week's tags by their own day (an index range, CheckInActivity.day) and matched to
    # the week's check-ins by hash: a probe per check-in cost twice as much.
    week_tags = "c.day BETWEEN %(start)s AND %(end)s AND ca.day BETWEEN %(start)s AND %(end)s"
    return _upsert(
        weeks=f"""
  SELECT c.patient_id AS patient_id, %(start)s AS week_start, {_checkin_aggregates()}
  FROM {t_checkin} c
  WHERE c.day BETWEEN %(start)s AND %(end)s
  GROUP BY c.patient_id
""",  # noqa: S608 - table names and constants of this module; values are parameters
        activities=_activities(week_tags, "%(start)s"),
        # One week: the patient alone matches the counts to the row.
        on="ac.patient_id = a.patient_id",
        gone="w.week_start = %(start)s",
    )


def _empty_weeks_sql(
    patient_ids: Sequence[int] | None, *, start: dt.date, end: dt.date
) -> tuple[str, dict]:
    """After the summaries are upserted: remove the rows of weeks with no check-in left (the
    last one was deleted). Covers one week of every patient (found by the index on week_start)
    or every week of `patient_ids` in [start, end]. Returns the statement and its parameters."""
    t_weekly = WeeklySummary._meta.db_table
    week_end = _vendor_sql()["week_end"].format(col=f"{t_weekly}.week_start")
    if patient_ids is None:
        rows, params = "week_start = %(start)s", {}
    else:
        names = [f"p{i}" for i in range(len(patient_ids))]
        ids = ", ".join(f"%({n})s" for n in names)
        rows = f"patient_id IN ({ids}) AND week_start BETWEEN %(start)s AND %(end)s"
        params = dict(zip(names, patient_ids, strict=True))
    sql = f"""
DELETE FROM {t_weekly} WHERE {rows} AND NOT EXISTS (
  SELECT 1 FROM {CheckIn._meta.db_table} c WHERE c.patient_id = {t_weekly}.patient_id
  AND c.day BETWEEN {t_weekly}.week_start AND {week_end})
"""  # noqa: S608 - table names and constants of this module; values are parameters
    return sql, {**params, "start": start, "end": end}


def weekly_summaries_refresh_week(*, start: dt.date) -> int:
    """Recompute the week holding `start` for every patient, set-based, in one transaction:
    one statement on PostgreSQL, two on SQLite, whatever the number of patients. Returns the
    summary rows written."""
    start = week_start(start)
    week = {"start": start, "end": start + dt.timedelta(days=6)}
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Neither changes today's plan at 1,000 patients (BENCHMARKS.md, 2026-12-01); kept
            # so that a larger database does not tip it: past jit_above_cost, compiling would
            # cost more than running, and with the default random_page_cost (4, priced for
            # spinning disks) the planner would rather hash whole tables than read one week
            # by index, as it did while this statement also looked up questionnaires.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL random_page_cost = 1.1")
        written = _rows_written(cursor, _week_upsert_sql(), {**week, "now": timezone.now()})
        if connection.vendor != "postgresql":
            cursor.execute(*_empty_weeks_sql(None, **week))
    return written


def _rows_written(cursor, sql: str, params: dict) -> int:
    """Run an upsert; return the rows it inserted or changed. Python's sqlite3 reports no
    rowcount for a statement that starts with WITH, so SQLite counts its changes instead."""
    if connection.vendor == "sqlite":
        before = connection.connection.total_changes
        cursor.execute(sql, params)
        return connection.connection.total_changes - before
    cursor.execute(sql, params)
    return max(cursor.rowcount, 0)


def weekly_summaries_upsert(
    *, patient_ids: Sequence[int], start: dt.date | None = None, end: dt.date | None = None
) -> int:
    """Recompute the weeks of `patient_ids` that touch [start, end] (all weeks if None).

    One grouped statement per batch of patients; returns the number of summary rows written.
    A week with no check-ins left (one was deleted) loses its row.

    Many batches on PostgreSQL are spread over TRENDS_REBUILD_CONNECTIONS connections, one
    thread each: batches share no rows, so they neither wait on nor deadlock with each other.
    Not inside a caller's transaction, whose uncommitted rows other connections cannot see.
    """
    start = week_start(start) if start else dt.date(1, 1, 8)
    end = week_start(end) + dt.timedelta(days=6) if end else dt.date(9999, 12, 26)
    now = timezone.now()
    batches = [
        list(patient_ids[i : i + BATCH_SIZE]) for i in range(0, len(patient_ids), BATCH_SIZE)
    ]
    lanes = min(len(batches), settings.TRENDS_REBUILD_CONNECTIONS)
    if lanes <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return sum(_upsert_batch(batch, start=start, end=end, now=now) for batch in batches)

    def lane(share: list[list[int]]) -> int:
        try:
            return sum(_upsert_batch(batch, start=start, end=end, now=now) for batch in share)
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=lanes) as pool:
        return sum(pool.map(lane, [batches[k::lanes] for k in range(lanes)]))


def _upsert_batch(batch: list[int], *, start: dt.date, end: dt.date, now: dt.datetime) -> int:
    params = {
        **{f"p{i}": patient_id for i, patient_id in enumerate(batch)},
        "start": start,
        "end": end,
        "now": now,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # JIT compiling this statement cost more than running it (~150 ms a batch), and
            # with the default 4 MB work_mem a batch's grouping and sorts spilled to disk.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        written = _rows_written(cursor, _upsert_sql(len(batch)), params)
        if connection.vendor != "postgresql":
            cursor.execute(*_empty_weeks_sql(batch, start=start, end=end))
    return written


def weekly_summary_refresh(*, patient_id: int, day: dt.date) -> int:
    """Recompute one patient's week, the one holding `day`, after a check-in save."""
    return weekly_summaries_upsert(patient_ids=[patient_id], start=day, end=day)


def finished_week(today: dt.date) -> dt.date:
    """The Monday of the last week that has ended everywhere on Earth by `today` (UTC)."""
    return week_start(today) - dt.timedelta(days=7)


def weekly_summaries_refresh_finished_week(*, today: dt.date | None = None) -> int:
    """Recompute every patient's just-finished week. Beat runs it on Mondays after 12:00 UTC,
    when that week has ended in every time zone (UTC-12 included)."""
    today = today or timezone.now().date()
    return weekly_summaries_refresh_week(start=finished_week(today))


def weekly_summaries_rebuild(*, patient_ids: Sequence[int] | None = None) -> int:
    """Recompute every week of every patient (or of `patient_ids`), batch by batch."""
    if patient_ids is None:
        User = get_user_model()
        patient_ids = list(
            User.objects.filter(role=User.Role.PATIENT).order_by("pk").values_list("pk", flat=True)
        )
    return weekly_summaries_upsert(patient_ids=list(patient_ids))
