"""The trends page loader: what `templates/journal/trends/_charts.html` renders, for one patient
over one range, in a fixed number of queries whatever the length of history, and cached.

`trends_context(grant, range_key)` is the one entry point: the patient's trends page and the
care team's read-only view both call it with the grant the access door gave them.

It reads daily rows only for ranges under a year (through the covering index on patient and
day), the stored weekly summaries for everything longer, and the few questionnaires and
sessions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.db.models import CharField, F, IntegerField, Value
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe

from config import private_cache

from ..access import Grant, Scope
from ..course_outcomes import CourseRow, courses_for
from ..courses import Point
from ..models import (
    Activity,
    CheckIn,
    CheckInActivity,
    Course,
    Medication,
    MedicationChange,
    QuestionnaireResponse,
    TreatmentSession,
    WeeklySummary,
)
from ..questionnaires import GAD7 as GAD7_SPEC
from ..questionnaires import PHQ9 as PHQ9_SPEC
from ..questionnaires import band_ranges
from ..weekly import week_start
from .base import DASH, MOOD, SLEEP
from .figures import (
    MOOD_RANGE,
    SLEEP_RANGE,
    mood_energy_daily,
    mood_energy_weekly,
    other_areas_weekly,
    questionnaire_chart,
    sleep_daily,
    weekly_band,
    what_helps_chart,
)
from .plot import courses_shading, medications_overlay

RANGES = {
    "30d": ("30 days", 30),
    "90d": ("90 days", 90),
    "1y": ("1 year", 365),
    "all": ("All", None),
}
DEFAULT_RANGE = "90d"
DAILY_MAX_DAYS = 90  # longer ranges read the stored weekly rows, never years of daily rows


def _range_start(range_key: str, today: dt.date, first_day: dt.date | None) -> dt.date:
    days = RANGES[range_key][1]
    if days is None:
        return first_day or today
    return today - dt.timedelta(days=days - 1)


def _what_helps_rows(patient_id: int, start: dt.date, end: dt.date):
    """Per activity: days with it and their mood sum; plus one totals row (id NULL). One query."""
    checkin = CheckIn._meta.db_table
    through = CheckInActivity._meta.db_table
    activity = Activity._meta.db_table
    sql = f"""
SELECT ca.activity_id, a.name, COUNT(*), SUM(c.mood)
FROM {checkin} c
JOIN {through} ca ON ca.checkin_id = c.id
JOIN {activity} a ON a.id = ca.activity_id
WHERE c.patient_id = %s AND c.day BETWEEN %s AND %s
GROUP BY ca.activity_id, a.name
UNION ALL
SELECT NULL, NULL, COUNT(*), SUM(c.mood) FROM {checkin} c
WHERE c.patient_id = %s AND c.day BETWEEN %s AND %s
"""  # noqa: S608 - table names only; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [patient_id, start, end, patient_id, start, end])
        rows = cursor.fetchall()
    activities = [r for r in rows if r[0] is not None]
    total = next((r for r in rows if r[0] is None), (None, None, 0, 0))
    return activities, total[2] or 0, total[3] or 0


def _stored_activity_rows(weeks) -> list[tuple[int, str, int, int]]:
    """Per activity: days with it and their mood sum, added up over weekly summaries'
    `activities` ({id: [days, mood sum]}), named in one query. An activity deleted since its
    week was computed has no name left and is skipped, as its tags went with it."""
    days: dict[int, int] = {}
    moods: dict[int, int] = {}
    for week in weeks:
        for key, (n, mood_sum) in week.activities.items():
            activity_id = int(key)
            days[activity_id] = days.get(activity_id, 0) + n
            moods[activity_id] = moods.get(activity_id, 0) + mood_sum
    if not days:
        return []
    names = dict(Activity.objects.filter(pk__in=days).values_list("pk", "name"))
    return [(pk, name, days[pk], moods[pk]) for pk, name in names.items()]


def _sessions_and_scores(patient) -> tuple[list[tuple[dt.date, dt.datetime]], list[tuple]]:
    """All treatment sessions (day, start) and questionnaire totals (instrument, day, total,
    submitted), in time order, in one query (a few rows a month). The times decide whether a
    score on a session's day came before it (journal/courses.py)."""
    session_rows = (
        TreatmentSession.objects.filter(patient=patient)
        .order_by()
        .annotate(
            what=Value("session"), score=Value(0, output_field=IntegerField()), at=F("started_at")
        )
        .values_list("what", "day", "score", "at")
    )
    rows = (
        QuestionnaireResponse.objects.filter(patient=patient)
        .order_by()
        .annotate(what=F("instrument"), score=F("total"), at=F("submitted_at"))
        .values_list("what", "day", "score", "at")
        .union(session_rows, all=True)
    )
    ordered = sorted(rows, key=lambda r: (r[1], r[3], r[0]))
    sessions = [(day, at) for what, day, _, at in ordered if what == "session"]
    scores = [row for row in ordered if row[0] != "session"]
    return sessions, scores


def _medication_events(patient) -> list[tuple[dt.date, str, str]]:
    """Every start, dose change and stop of the patient's medications as (day, what, words),
    in day order, in one query (a few rows a year)."""
    text = CharField()
    columns = ("on", "what", "med", "dose", "unit")
    mine = Medication.objects.filter(patient=patient).order_by()
    starts = mine.annotate(
        on=F("started_on"), what=Value("start", output_field=text), med=F("name")
    ).values_list(*columns)
    stops = (
        mine.filter(stopped_on__isnull=False)
        .annotate(on=F("stopped_on"), what=Value("stop", output_field=text), med=F("name"))
        .values_list(*columns)
    )
    changes = (
        MedicationChange.objects.filter(medication__patient=patient)
        .order_by()
        .annotate(on=F("day"), what=Value("change", output_field=text), med=F("medication__name"))
        .values_list(*columns)
    )
    events = []
    for day, what, name, dose, unit in sorted(
        starts.union(stops, changes, all=True), key=lambda r: (r[0], r[1], r[2])
    ):
        amount = f" {dose.normalize():f} {unit}".rstrip() if dose is not None else ""
        words = {
            "start": f"Started {name}{amount}",
            "change": f"{name}: new dose{amount}",
            "stop": f"Stopped {name}",
        }[what]
        events.append((day, what, words))
    return events


def safety_plan_url() -> str | None:
    # The journal app owns the safety plan page; link to it once it exists.
    try:
        return reverse("safety_plan")
    except NoReverseMatch:
        return None


CACHE_SECONDS = 60 * 60  # a backstop only: a change to the data changes the fingerprint at once
# One sealed entry per patient and range (config/private_cache.py), holding the fingerprint it
# was built for: a change to the data replaces it, and purging a patient finds every one.
CACHE_NAMES = {key: private_cache.declare(f"trends:charts:v9:{key}") for key in RANGES}


def _weeks_from(range_key: str, today: dt.date) -> dt.date:
    """The first week start a range reads stored weekly rows from."""
    days = RANGES[range_key][1]
    if days is None:
        return dt.date(1, 1, 1)
    return week_start(today - dt.timedelta(days=days - 1))


def _data_version(patient_id: int, range_key: str, today: dt.date) -> tuple:
    """A fingerprint of every row the range's charts read, in one query (a few index probes).

    Any added, edited or deleted check-in in the daily window (count, last `updated_at`, sum of
    `version`), questionnaire, treatment session or weekly summary (`computed_at` moves whenever
    a summary changes, its activity counts included) changes it. Long ranges read no check-ins,
    only the stored weekly rows, so their fingerprint leaves check-ins out (the weekly refresh
    after a check-in changes the weekly rows, and so the fingerprint). The tags the charts name
    count too: one renamed or removed (by an admin, say) shows at once, not when the cache ends.
    """
    days = RANGES[range_key][1]
    if days is not None and days <= DAILY_MAX_DAYS:
        daily_from = today - dt.timedelta(days=days - 1 + 6)  # the 7-day average's seed days
        daily_to = today
    else:
        daily_from, daily_to = today + dt.timedelta(days=1), today  # empty: not read
    weeks_from = _weeks_from(range_key, today)
    t = {
        m.__name__: m._meta.db_table
        for m in (
            CheckIn,
            QuestionnaireResponse,
            TreatmentSession,
            WeeklySummary,
            Activity,
            Course,
            Medication,
            MedicationChange,
        )
    }
    sql = f"""
SELECT c.n, c.m, c.v, q.n, q.m, q.s, t.n, t.m, w.n, w.m, a.n, a.m, k.n, k.m, d.n, d.m, x.n, x.m,
  x.s
FROM (SELECT count(*) AS n, max(updated_at) AS m, sum(version) AS v FROM {t["CheckIn"]}
      WHERE patient_id = %s AND day BETWEEN %s AND %s) c
CROSS JOIN (SELECT count(*) AS n, max(id) AS m, sum(total) AS s FROM {t["QuestionnaireResponse"]}
      WHERE patient_id = %s) q
CROSS JOIN (SELECT count(*) AS n, max(updated_at) AS m FROM {t["TreatmentSession"]}
      WHERE patient_id = %s) t
CROSS JOIN (SELECT count(*) AS n, max(computed_at) AS m FROM {t["WeeklySummary"]}
      WHERE patient_id = %s AND week_start >= %s) w
CROSS JOIN (SELECT count(*) AS n, max(updated_at) AS m FROM {t["Activity"]}
      WHERE owner_id IS NULL OR owner_id = %s) a
CROSS JOIN (SELECT count(*) AS n, max(updated_at) AS m FROM {t["Course"]}
      WHERE patient_id = %s) k
CROSS JOIN (SELECT count(*) AS n, max(updated_at) AS m FROM {t["Medication"]}
      WHERE patient_id = %s) d
CROSS JOIN (SELECT count(*) AS n, max(x.id) AS m, sum(x.dose) AS s FROM {t["MedicationChange"]} x
      JOIN {t["Medication"]} md ON md.id = x.medication_id WHERE md.patient_id = %s) x
"""  # noqa: S608 - table names only; values are parameters
    pid = patient_id
    params: list[Any] = [pid, daily_from, daily_to, pid, pid, pid, weeks_from, pid, pid, pid, pid]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(str(v) for v in cursor.fetchone())


def trends_context(grant: Grant, range_key: str | None) -> dict:
    """Everything `journal/trends/_charts.html` renders, for the grant's patient over
    `range_key`; a 404 unless the grant covers trends.

    The charts are the same for every viewer allowed to see them (the trends scope holds no notes),
    and are cached, sealed, per patient and range with the local day and data fingerprint they
    were built for (config/private_cache.py), so an unchanged history is built once. A fixed
    number of queries, whatever the length of history: one on a cached page, nine when the
    charts are built (courses and medication changes included). Warning signs are not here:
    each reader's page shows them in its own words (journal/warning_cards.py,
    careteam/selectors.py).
    """
    grant.require(Scope.TRENDS)
    patient = grant.patient
    range_key = range_key if range_key in RANGES else DEFAULT_RANGE
    today = patient.today()
    version = _data_version(patient.pk, range_key, today)
    fingerprint = hashlib.sha256(repr((range_key, today.isoformat(), version)).encode()).digest()
    cached = private_cache.get(patient.pk, CACHE_NAMES[range_key])
    if cached is not None and cached[0] == fingerprint:
        built = cached[1]
    else:
        built = _build_charts(patient, range_key, today)
        # The charts section rendered once, too: on a cached page it is a string to insert, not
        # a few hundred template nodes to walk. The script and style tags stay outside it, so a
        # deploy's new static file names are never stuck in the cache.
        built["html"] = render_to_string(
            "journal/trends/_charts_body.html",
            {**_range_context(range_key), **built},
        )
        private_cache.put(patient.pk, CACHE_NAMES[range_key], (fingerprint, built), CACHE_SECONDS)

    return {
        "trends_patient": patient,
        **_range_context(range_key),
        # Our own template's output, escaped when it was rendered (a cache may hand back str).
        "charts_html": mark_safe(built["html"]),
        "range_start": built["range_start"],
        "range_end": today,
        "charts": built["charts"],
        "has_entries": built["has_entries"],
        "safety_plan_url": safety_plan_url(),
    }


def _range_context(range_key: str) -> dict:
    return {
        "range_key": range_key,
        "range_label": RANGES[range_key][0],
        "ranges": [(key, label, key == range_key) for key, (label, _) in RANGES.items()],
    }


def _build_charts(patient, range_key: str, today: dt.date) -> dict:
    """The range's charts, rendered (`ShownChart`), with its start and whether it has data."""
    # Few rows each, whatever the range: all sessions and questionnaires, for first-session and
    # baseline lookups that may lie before the range.
    sessions, scores = _sessions_and_scores(patient)
    weeks_qs = WeeklySummary.objects.filter(patient=patient).order_by("week_start")
    days = RANGES[range_key][1]
    if days is not None:
        weeks_qs = weeks_qs.filter(week_start__gte=_weeks_from(range_key, today))
    # Plain rows, not model instances: a 3-year page reads ~160 of them.
    weeks = [SimpleNamespace(**row) for row in weeks_qs.values()]
    first_day = min(
        [w.week_start for w in weeks[:1]]
        + [d for _, d, _, _ in scores[:1]]
        + [d for d, _ in sessions[:1]],
        default=None,
    )
    start = _range_start(range_key, today, first_day)
    if days is None or days > DAILY_MAX_DAYS:
        start = week_start(start)  # long ranges are whole weeks: they read weekly rows
    in_range_sessions = [d for d, _ in sessions if start <= d <= today]
    phq9 = [Point(d, t, at) for i, d, t, at in scores if i == "phq9"]
    course_rows = courses_for([patient.pk], {patient.pk: phq9}).get(patient.pk, [])
    spans = [r.span for r in course_rows]
    shading = [
        (max(r.span.first_day, start), min(r.course.ended_on or today, today), f"Course {r.number}")
        for r in course_rows
        if (r.course.ended_on or today) >= start and r.span.first_day <= today
    ]
    gad7 = [Point(d, t, at) for i, d, t, at in scores if i == "gad7"]

    charts = []
    if days is not None and days <= DAILY_MAX_DAYS:
        # The covering index (patient, day) INCLUDE (mood, energy, sleep_hours, ...) answers
        # this from the index alone; six extra days seed the first 7-day average.
        daily = list(
            CheckIn.objects.filter(
                patient=patient, day__range=(start - dt.timedelta(days=6), today)
            )
            .order_by("day")
            .values_list("day", "mood", "energy", "sleep_hours")
        )
        charts.append(mood_energy_daily(daily, start, today, in_range_sessions))
        sleep = sleep_daily(daily, start, today, in_range_sessions)
    else:
        charts.append(mood_energy_weekly(weeks, start, today, in_range_sessions))
        sleep = weekly_band(
            weeks,
            in_range_sessions,
            key="sleep",
            title="Sleep, week by week",
            description="Each week's average hours slept, with the shortest and longest night.",
            mean="sleep_hours_mean",
            low="sleep_hours_min",
            high="sleep_hours_max",
            color=SLEEP,
            y_title="hours",
            y_range=SLEEP_RANGE,
        )
    charts.append(
        weekly_band(
            weeks,
            in_range_sessions,
            key="weekly-mood",
            title="Weekly mood: average and range",
            description="Each week's average mood, with the shaded band from its lowest to its "
            "highest day.",
            mean="mood_mean",
            low="mood_min",
            high="mood_max",
            color=MOOD,
            y_title="0 to 10",
            y_range=MOOD_RANGE,
        )
    )
    charts.append(sleep)
    charts.append(
        other_areas_weekly([w for w in weeks if w.week_start >= start], in_range_sessions)
    )
    charts.append(
        questionnaire_chart(
            "phq9",
            "PHQ-9",
            phq9,
            band_ranges(PHQ9_SPEC),
            start,
            today,
            in_range_sessions,
            spans,
        )
    )
    charts.append(
        questionnaire_chart(
            "gad7",
            "GAD-7",
            gad7,
            band_ranges(GAD7_SPEC),
            start,
            today,
            in_range_sessions,
            spans,
        )
    )
    if days is not None and days <= DAILY_MAX_DAYS:
        activity_rows, total_days, total_mood = _what_helps_rows(patient.pk, start, today)
    else:
        # A year or more: the weekly rows already read, never years of check-ins.
        activity_rows = _stored_activity_rows([w for w in weeks if w.week_start >= start])
        total_days = sum(w.days_logged for w in weeks)
        total_mood = sum(round(w.mood_mean * w.days_logged) for w in weeks)
    charts.append(what_helps_chart(activity_rows, total_days, total_mood))
    shown_events = [e for e in _medication_events(patient) if start <= e[0] <= today]
    for chart in charts:
        if (
            chart.figure is not None
            and chart.figure["layout"].get("xaxis", {}).get("type") == "date"
        ):
            courses_shading(chart.figure, shading)
            medications_overlay(chart.figure, shown_events)
    return {
        "range_start": start,
        "charts": [chart.shown() for chart in charts],
        "courses": [_course_table_row(r) for r in reversed(course_rows)],
        "medication_events": shown_events,
        "has_entries": bool(total_days or weeks),
    }


def _course_table_row(row: CourseRow) -> dict:
    """One course's numbers in the words the per-course table shows, the same for the patient
    and their team (the cached charts are shared): no "you"."""
    o, c = row.outcome, row.course
    base = o.baseline.point
    if o.response_on is None:
        response = DASH
    else:
        response = f"since {o.response_on:%-d %b %Y}" + ("" if o.response_holds else ", not now")
    if o.remission_on is None:
        remission = DASH
    else:
        remission = f"since {o.remission_on:%-d %b %Y}" + ("" if o.remission_holds else ", not now")
    if o.rising_weeks:
        durability = f"Scores have risen for {o.rising_weeks} weeks toward the baseline"
    elif o.response_on is not None:
        durability = "Response holds" if o.response_holds else "Response no longer holds"
    else:
        durability = DASH
    return {
        "name": f"Course {row.number}",
        "kind": c.get_kind_display(),
        "medication": " ".join(x for x in (c.medication, f"({c.get_route_display()})") if x),
        "dates": f"{row.span.first_day:%-d %b %Y} to "
        + (f"{c.ended_on:%-d %b %Y}" if c.ended_on else "now"),
        "sessions": row.sessions_words,
        "baseline": (f"{base.total}" + ("" if o.baseline.before_treatment else " (after)"))
        if base
        else DASH,
        "baseline_words": o.baseline.words,
        "best": o.best.total if o.best else DASH,
        "latest": o.latest.total if o.latest else DASH,
        "change": f"{o.change_percent:+d}%" if o.change_percent is not None else DASH,
        "response": response,
        "remission": remission,
        "durability": durability,
    }
