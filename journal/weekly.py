"""Weekly summaries: a patient's local weeks, computed in the database, set-based.

Weekly summaries are computed in the database, set-based: one statement per batch of patients
aggregates their check-ins by local week (Monday start; `CheckIn.day` is already the patient's
local date) and upserts the rows. No check-in row ever passes through Python. The statement only
rewrites a row whose values changed, so running it twice, or twice at once, leaves the same rows
(and the same `computed_at`) as running it once.

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

from .models import CheckIn, QuestionnaireResponse, TreatmentSession, WeeklySummary

logger = logging.getLogger(__name__)

BATCH_SIZE = 500

# Measures averaged per week, besides mood (mean/min/max) and sleep (mean/min/max).
MEAN_FIELDS = (
    "energy",
    "interest",
    "anxiety",
    "irritability",
    "self_worth",
    "connection",
    "sleep_quality",
)
SUMMARY_COLUMNS = (
    "days_logged",
    "mood_mean",
    "mood_min",
    "mood_max",
    *(f"{f}_mean" for f in MEAN_FIELDS),
    "sleep_hours_mean",
    "sleep_hours_min",
    "sleep_hours_max",
    "phq9_total",
    "gad7_total",
    "phq9_response",
    "phq9_remission",
    "phq9_baseline",
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


def _checkin_aggregates() -> str:
    """A week's summary columns over its check-ins `c`, as select-list items."""
    v = _vendor_sql()
    f, mean = v["float"].format, v["mean"].format
    means = ", ".join(f"{mean(col=f'c.{m}')} AS {m}_mean" for m in MEAN_FIELDS)
    return (
        f"COUNT(*) AS days_logged, {mean(col='c.mood')} AS mood_mean, "
        f"MIN(c.mood) AS mood_min, MAX(c.mood) AS mood_max, {means}, "
        f"{f(expr='AVG(c.sleep_hours)')} AS sleep_hours_mean, "
        f"{f(expr='MIN(c.sleep_hours)')} AS sleep_hours_min, "
        f"{f(expr='MAX(c.sleep_hours)')} AS sleep_hours_max"
    )


def _activities(where: str, week: str) -> str:
    """A subquery: per patient and week (`week`, an expression over the check-in `c`) of the
    check-ins matching `where`, `activities` as WeeklySummary stores it."""
    v = _vendor_sql()
    t_checkin = CheckIn._meta.db_table
    t_through = CheckIn.activities.through._meta.db_table
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


def _summary_insert() -> str:
    columns = ", ".join(SUMMARY_COLUMNS)
    return (
        f"INSERT INTO {WeeklySummary._meta.db_table} "
        f"(patient_id, week_start, {columns}, computed_at)"
    )


def _summary_values(row: str) -> str:
    """The summary columns of a computed row `row`, in SUMMARY_COLUMNS order: its aggregates
    and totals, response (half the baseline or less) and remission (under 5) derived."""
    columns = [
        f"{row}.{c}" for c in SUMMARY_COLUMNS if c not in ("phq9_response", "phq9_remission")
    ]
    response = (
        f"CASE WHEN {row}.phq9_baseline > 0 AND {row}.phq9_total IS NOT NULL "
        f"AND {row}.phq9_total * 2 <= {row}.phq9_baseline THEN TRUE ELSE FALSE END"
    )
    remission = (
        f"CASE WHEN {row}.phq9_total IS NOT NULL AND {row}.phq9_total < 5 THEN TRUE ELSE FALSE END"
    )
    at = SUMMARY_COLUMNS.index("phq9_response")
    return ", ".join([*columns[:at], response, remission, *columns[at:]])


def _summary_on_conflict() -> str:
    """Rewrite an existing week only if a value changed, so `computed_at` stays put otherwise."""
    table = WeeklySummary._meta.db_table
    distinct = _vendor_sql()["distinct"]
    updates = ", ".join(f"{c} = excluded.{c}" for c in (*SUMMARY_COLUMNS, "computed_at"))
    changed = " OR ".join(f"{table}.{c} {distinct} excluded.{c}" for c in SUMMARY_COLUMNS)
    return f"ON CONFLICT (patient_id, week_start) DO UPDATE SET {updates} WHERE {changed}"


def _upsert_sql(n_ids: int) -> str:
    """One statement: aggregate a batch's check-ins by week, attach the questionnaire state as
    of each week's end, upsert.

    "The latest PHQ-9 as of Sunday" is found without a lookup per week: each score is encoded
    as day_number * 100 + total (totals are under 100), so a later score always has the larger
    code and a running MAX over the patient's weeks carries the latest one forward. The last
    score before `start` (one index probe per patient) stands in a pseudo-week just before it,
    so a one-week refresh still sees it.
    """
    v = _vendor_sql()
    t_checkin = CheckIn._meta.db_table
    t_q = QuestionnaireResponse._meta.db_table
    t_session = TreatmentSession._meta.db_table
    week_c = v["week"].format(col="c.day")
    week_q = v["week"].format(col="q.day")
    day_q = v["daynum"].format(col="q.day")
    week_end = v["week_end"].format(col="a.week_start")
    week_end_num = v["daynum"].format(col="a.week_start") + " + 6"
    ids = ", ".join(f"%(p{i})s" for i in range(n_ids))
    checkins = f"c.patient_id IN ({ids}) AND c.day BETWEEN %(start)s AND %(end)s"
    # PostgreSQL removes the rows of weeks with no check-in left in this same statement, from
    # the grouped weeks already at hand (a data-modifying CTE; its rows and the upsert's are
    # disjoint). SQLite has no such CTE and runs _empty_weeks_sql afterwards.
    gone = ""
    if connection.vendor == "postgresql":
        t_weekly = WeeklySummary._meta.db_table
        gone = f"""
gone AS (
  DELETE FROM {t_weekly} w
  WHERE w.patient_id IN ({ids}) AND w.week_start BETWEEN %(start)s AND %(end)s
    AND NOT EXISTS (SELECT 1 FROM agg a
                    WHERE a.patient_id = w.patient_id AND a.week_start = w.week_start)
),"""  # noqa: S608 - table names only; values are parameters

    def code_first(instrument: str, condition: str) -> str:
        # Per patient, not per week: an index probe on (patient, instrument, day).
        return (
            f"(SELECT {day_q} * 100 + q.total FROM {t_q} q WHERE q.patient_id = f.patient_id "  # noqa: S608
            f"AND q.instrument = '{instrument}' {condition} "
            "ORDER BY q.day, q.submitted_at LIMIT 1)"
        )

    def code_last(instrument: str) -> str:
        # The last score before the range: the state a narrow refresh starts from.
        return (
            f"(SELECT {day_q} * 100 + q.total FROM {t_q} q WHERE q.patient_id = f.patient_id "  # noqa: S608
            f"AND q.instrument = '{instrument}' AND q.day < %(start)s "
            "ORDER BY q.day DESC, q.submitted_at DESC LIMIT 1)"
        )

    # S608: every interpolated piece is a constant of this module or a table name; values
    # travel as parameters.
    return f"""
WITH agg AS (
  SELECT c.patient_id AS patient_id, {week_c} AS week_start, {_checkin_aggregates()}
  FROM {t_checkin} c
  WHERE {checkins}
  GROUP BY c.patient_id, {week_c}
),
acts AS {_activities(checkins, week_c)},{gone}
pts AS (SELECT DISTINCT patient_id FROM agg),
firsts AS (
  SELECT p.patient_id AS patient_id,
         (SELECT MIN(s.day) FROM {t_session} s WHERE s.patient_id = p.patient_id) AS first_session
  FROM pts p
),
base AS (
  SELECT f.patient_id AS patient_id, f.first_session AS first_session,
         {code_first("phq9", "")} AS b0_code,
         {code_first("phq9", "AND q.day >= f.first_session")} AS b1_code,
         {code_last("phq9")} AS phq9_before,
         {code_last("gad7")} AS gad7_before
  FROM firsts f
),
qw AS (
  SELECT q.patient_id AS patient_id, {week_q} AS week_start,
         MAX(CASE WHEN q.instrument = 'phq9' THEN {day_q} * 100 + q.total END) AS phq9_code,
         MAX(CASE WHEN q.instrument = 'gad7' THEN {day_q} * 100 + q.total END) AS gad7_code
  FROM {t_q} q
  WHERE q.patient_id IN ({ids}) AND q.day BETWEEN %(start)s AND %(end)s
  GROUP BY 1, 2
  UNION ALL
  SELECT patient_id, %(before)s, phq9_before, gad7_before FROM base
),
timeline AS (
  SELECT patient_id, week_start, 1 AS is_week, NULL AS phq9_code, NULL AS gad7_code FROM agg
  UNION ALL
  SELECT patient_id, week_start, 0, phq9_code, gad7_code FROM qw
),
carried AS (
  SELECT patient_id, week_start, is_week,
         MAX(phq9_code) OVER w AS phq9_code, MAX(gad7_code) OVER w AS gad7_code
  FROM timeline
  WINDOW w AS (PARTITION BY patient_id ORDER BY week_start, is_week ROWS UNBOUNDED PRECEDING)
),
scored AS (
  SELECT a.*, x.phq9_code %% 100 AS phq9_total, x.gad7_code %% 100 AS gad7_total,
         CASE WHEN b.first_session IS NOT NULL AND b.first_session <= {week_end}
              THEN CASE WHEN b.b1_code / 100 <= {week_end_num} THEN b.b1_code %% 100 END
              ELSE CASE WHEN b.b0_code / 100 <= {week_end_num} THEN b.b0_code %% 100 END
         END AS phq9_baseline,
         COALESCE(ac.activities, {v["no_activities"]}) AS activities
  FROM agg a
  JOIN carried x ON x.patient_id = a.patient_id AND x.week_start = a.week_start
                    AND x.is_week = 1
  LEFT JOIN base b ON b.patient_id = a.patient_id
  LEFT JOIN acts ac ON ac.patient_id = a.patient_id AND ac.week_start = a.week_start
)
{_summary_insert()}
SELECT s.patient_id, s.week_start, {_summary_values("s")}, %(now)s
FROM scored s WHERE TRUE
{_summary_on_conflict()}
"""  # noqa: S608


def _week_upsert_sql() -> str:
    """One week of every patient who logged in it, driven by the index on `day` (no list of
    ids), upserted. Named parameters: start, end (the week), prev (the Monday before), epoch,
    now.

    The questionnaire state is carried from the patient's row for the week before, which holds
    the latest totals and the response baseline as of that week's end: this week's own scores
    replace them, and a week with a treatment session (the baseline rule may change) or with no
    row the week before looks them up instead (index probes, for those patients only). Rows
    stay right when history changes: a questionnaire or session save refreshes the patient's
    weeks from its day onward (`weekly_summary_refresh(..., onward=True)`).
    """
    v = _vendor_sql()
    t_q = QuestionnaireResponse._meta.db_table
    t_session = TreatmentSession._meta.db_table
    t_weekly = WeeklySummary._meta.db_table
    day_q = v["daynum"].format(col="q.day")

    def phq9(condition: str, order: str = "q.day, q.submitted_at") -> str:
        return (
            f"(SELECT q.total FROM {t_q} q WHERE q.patient_id = a.patient_id "  # noqa: S608
            f"AND q.instrument = 'phq9' AND {condition} ORDER BY {order} LIMIT 1)"
        )

    def last_before(instrument: str) -> str:
        return (
            f"(SELECT q.total FROM {t_q} q WHERE q.patient_id = a.patient_id "  # noqa: S608
            f"AND q.instrument = '{instrument}' AND q.day < %(start)s "
            "ORDER BY q.day DESC, q.submitted_at DESC LIMIT 1)"
        )

    # The first PHQ-9 on or after the first session, if that session is by the week's end;
    # otherwise the first PHQ-9; either only if dated by the week's end.
    first_session = (
        f"(SELECT MIN(s.day) FROM {t_session} s WHERE s.patient_id = a.patient_id "  # noqa: S608
        "AND s.day <= %(end)s)"
    )
    baseline_lookup = phq9(f"q.day <= %(end)s AND q.day >= COALESCE({first_session}, %(epoch)s)")
    session_this_week = (
        f"EXISTS (SELECT 1 FROM {t_session} s WHERE s.patient_id = a.patient_id "  # noqa: S608
        "AND s.day BETWEEN %(start)s AND %(end)s)"
    )
    t_checkin = CheckIn._meta.db_table
    # The week's tags by their own day (an index range, CheckInActivity.day) and matched to
    # the week's check-ins by hash: a probe per check-in cost twice as much.
    week_tags = "c.day BETWEEN %(start)s AND %(end)s AND ca.day BETWEEN %(start)s AND %(end)s"
    # PostgreSQL removes the rows of this week with no check-in left in this same statement
    # (see _upsert_sql); SQLite runs _empty_weeks_sql afterwards.
    gone = ""
    if connection.vendor == "postgresql":
        gone = f"""
gone AS (
  DELETE FROM {t_weekly} w
  WHERE w.week_start = %(start)s
    AND NOT EXISTS (SELECT 1 FROM a WHERE a.patient_id = w.patient_id)
),"""  # noqa: S608 - table names only; values are parameters
    return f"""
WITH a AS (
  SELECT c.patient_id AS patient_id, {_checkin_aggregates()}
  FROM {t_checkin} c
  WHERE c.day BETWEEN %(start)s AND %(end)s
  GROUP BY c.patient_id
),{gone}
t AS (
  SELECT a.*,
         COALESCE(qw.phq9_code %% 100,
                  CASE WHEN p.id IS NOT NULL THEN p.phq9_total ELSE {last_before("phq9")} END)
           AS phq9_total,
         COALESCE(qw.gad7_code %% 100,
                  CASE WHEN p.id IS NOT NULL THEN p.gad7_total ELSE {last_before("gad7")} END)
           AS gad7_total,
         CASE WHEN p.id IS NOT NULL AND NOT {session_this_week}
              THEN COALESCE(p.phq9_baseline,
                            CASE WHEN qw.phq9_code IS NOT NULL
                                 THEN {phq9("q.day BETWEEN %(start)s AND %(end)s")} END)
              ELSE {baseline_lookup}
         END AS phq9_baseline,
         COALESCE(ac.activities, {v["no_activities"]}) AS activities
  FROM a
  LEFT JOIN (
    SELECT q.patient_id AS patient_id,
           MAX(CASE WHEN q.instrument = 'phq9' THEN {day_q} * 100 + q.total END) AS phq9_code,
           MAX(CASE WHEN q.instrument = 'gad7' THEN {day_q} * 100 + q.total END) AS gad7_code
    FROM {t_q} q WHERE q.day BETWEEN %(start)s AND %(end)s
    GROUP BY q.patient_id
  ) qw ON qw.patient_id = a.patient_id
  LEFT JOIN {t_weekly} p ON p.patient_id = a.patient_id AND p.week_start = %(prev)s
  LEFT JOIN {_activities(week_tags, "%(start)s")} ac
    ON ac.patient_id = a.patient_id
)
{_summary_insert()}
SELECT t.patient_id, %(start)s, {_summary_values("t")}, %(now)s
FROM t WHERE TRUE
{_summary_on_conflict()}
"""  # noqa: S608


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
            cursor.execute("SET LOCAL jit = off")  # compiling costs more than running
            # With the default random_page_cost (4, priced for spinning disks) the planner
            # prefers hashing whole tables over index lookups of the one week.
            cursor.execute("SET LOCAL random_page_cost = 1.1")
        written = _rows_written(
            cursor,
            _week_upsert_sql(),
            {
                **week,
                "prev": start - dt.timedelta(days=7),
                "epoch": dt.date(1, 1, 1),
                "now": timezone.now(),
            },
        )
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
        "before": start - dt.timedelta(days=7),
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


def weekly_summary_refresh(*, patient_id: int, day: dt.date, onward: bool = False) -> int:
    """Recompute one patient's week (the one holding `day`), after a check-in save; with
    `onward`, every week from that one on, after a questionnaire or session save (later weeks
    carry the latest scores and the response baseline)."""
    return weekly_summaries_upsert(patient_ids=[patient_id], start=day, end=None if onward else day)


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
