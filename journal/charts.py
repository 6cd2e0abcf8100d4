"""Trend charts as plain Plotly figure dicts, each with a data table for screen readers.

`trends_context(patient, range_key)` is the one entry point: the patient's trends page and the
care team's read-only view both call it, after `careteam.access.patient_for_viewer` has said the
viewer may see this patient's trends, and render `templates/journal/trends/_charts.html`.

It reads a fixed number of queries whatever the length of history (six): daily rows only for
ranges under a year (through the covering index on patient and day), the stored weekly
summaries for everything longer, and the few questionnaires, sessions and signals. Figures are
dicts, not `plotly.graph_objects` (whose validation costs ~5 ms a chart), and reach the browser
through `json_script`, so nothing a patient typed can become markup or script.

Notes and session insights are never part of a chart: the trends scope does not include them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from types import SimpleNamespace

from django.core.cache import cache
from django.db import connection
from django.db.models import F, IntegerField, Value
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.html import json_script
from django.utils.safestring import SafeString, mark_safe

from . import early_warning
from .models import (
    Activity,
    CheckIn,
    QuestionnaireResponse,
    Signal,
    TreatmentSession,
    WeeklySummary,
)
from .trends import week_start

RANGES = {
    "30d": ("30 days", 30),
    "90d": ("90 days", 90),
    "1y": ("1 year", 365),
    "all": ("All", None),
}
DEFAULT_RANGE = "90d"
DAILY_MAX_DAYS = 90  # longer ranges read the stored weekly rows, never years of daily rows
WHAT_HELPS_MIN_DAYS = 5  # on each side; under this we say so instead of guessing

# Severity bands: PHQ-9 (Kroenke, Spitzer & Williams 2001), GAD-7 (Spitzer et al. 2006).
PHQ9_BANDS = (
    (0, 4, "Minimal"),
    (5, 9, "Mild"),
    (10, 14, "Moderate"),
    (15, 19, "Moderately severe"),
    (20, 27, "Severe"),
)
GAD7_BANDS = ((0, 4, "Minimal"), (5, 9, "Mild"), (10, 14, "Moderate"), (15, 21, "Severe"))
BAND_FILLS = (
    "rgba(46, 160, 67, 0.12)",
    "rgba(210, 200, 40, 0.14)",
    "rgba(240, 150, 30, 0.14)",
    "rgba(220, 90, 40, 0.14)",
    "rgba(200, 40, 40, 0.14)",
)
DASH = "\u2013"  # an en dash: "no value" in tables, and ranges like "0 to 4"
MOOD = "#1f77b4"
ENERGY = "#e07b00"
SLEEP = "#6a51a3"
SESSION = "#2a9d8f"
PHQ9 = "#c0392b"
GAD7 = "#1f5f8b"


@dataclass
class Chart:
    key: str
    title: str
    description: str
    figure: dict | None
    caption: str
    headers: Sequence[str]
    rows: list[Sequence]
    empty_text: str = "Nothing to show in this range yet."
    notes: list[str] = field(default_factory=list)

    @property
    def data_id(self) -> str:
        return f"chart-{self.key}-data"

    def body_html(self) -> SafeString:
        """The table's rows, every cell escaped. Built here rather than in the template: a
        3-year table has thousands of cells, and the template loop cost ~200 ms a page."""
        return mark_safe(
            "\n".join(
                f'<tr><th scope="row">{escape(str(row[0]))}</th>'
                + "".join(f"<td>{escape(str(cell))}</td>" for cell in row[1:])
                + "</tr>"
                for row in self.rows
            )
        )

    def shown(self) -> ShownChart:
        """What the template needs, rendered once: the figure's json_script block and the
        table's rows. Small and picklable, so a page's charts can sit in the cache."""
        return ShownChart(
            key=self.key,
            title=self.title,
            description=self.description,
            data_id=self.data_id,
            figure_script=json_script(self.figure, self.data_id) if self.figure else "",
            caption=self.caption,
            headers=tuple(self.headers),
            table_body=self.body_html() if self.rows else "",
            empty_text=self.empty_text,
            notes=tuple(self.notes),
        )


@dataclass(frozen=True)
class ShownChart:
    key: str
    title: str
    description: str
    data_id: str
    figure_script: str  # a <script type="application/json"> block, or "" for no figure
    caption: str
    headers: tuple[str, ...]
    table_body: str  # escaped <tr> rows, or "" for no table
    empty_text: str
    notes: tuple[str, ...]


def _range_start(range_key: str, today: dt.date, first_day: dt.date | None) -> dt.date:
    days = RANGES[range_key][1]
    if days is None:
        return first_day or today
    return today - dt.timedelta(days=days - 1)


def _layout(title: str, y_title: str, y_range: Sequence[float] | None = None) -> dict:
    layout = {
        "title": {"text": title, "font": {"size": 15}},
        "margin": {"l": 44, "r": 12, "t": 40, "b": 40},
        "height": 300,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": {"type": "date"},
        "yaxis": {"title": {"text": y_title}, "fixedrange": True},
        "hovermode": "x unified",
        "shapes": [],
        "annotations": [],
    }
    if y_range is not None:
        layout["yaxis"]["range"] = list(y_range)
    return layout


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _sessions_overlay(figure: dict, sessions: Iterable[dt.date], y: float) -> None:
    """Treatment sessions as dotted lines across the chart plus a hoverable marker."""
    days = [_iso(d) for d in sessions]
    for d in days:
        figure["layout"]["shapes"].append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": d,
                "x1": d,
                "y0": 0,
                "y1": 1,
                "line": {"color": SESSION, "width": 1, "dash": "dot"},
            }
        )
    if days:
        figure["data"].append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Treatment session",
                "x": days,
                "y": [y] * len(days),
                "marker": {"symbol": "triangle-down", "size": 11, "color": SESSION},
                "hovertemplate": "Treatment session<extra></extra>",
            }
        )


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return DASH
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _rolling_mean(points: dict[dt.date, float], day: dt.date, days: int = 7) -> float | None:
    values = [
        points[d]
        for i in range(days)
        if (d := day - dt.timedelta(days=i)) in points and points[d] is not None
    ]
    return round(sum(values) / len(values), 2) if values else None


# --- The charts ------------------------------------------------------------------------------


def mood_energy_daily(daily, start, today, sessions) -> Chart:
    mood = {d: m for d, m, *_ in daily}
    energy = {d: e for d, _, e, _ in daily if e is not None}
    shown = [row for row in daily if row[0] >= start]
    days = [_iso(r[0]) for r in shown]
    avg = [_rolling_mean(mood, r[0]) for r in shown]
    energy_avg = [_rolling_mean(energy, r[0]) for r in shown]
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Mood",
                "x": days,
                "y": [r[1] for r in shown],
                "marker": {"color": MOOD, "size": 7},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Mood, 7-day average",
                "x": days,
                "y": avg,
                "line": {"color": MOOD, "width": 3},
            },
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Energy",
                "x": days,
                "y": [r[2] for r in shown],
                "marker": {"color": ENERGY, "size": 6, "symbol": "square"},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Energy, 7-day average",
                "x": days,
                "y": energy_avg,
                "line": {"color": ENERGY, "width": 2, "dash": "dash"},
            },
        ],
        "layout": _layout("Mood and energy by day", "0 to 10", (0, 10.6)),
    }
    figure["layout"]["xaxis"]["range"] = [_iso(start), _iso(today)]
    _sessions_overlay(figure, sessions, 10.4)
    rows = [
        (r[0], r[1], _fmt(a), _fmt(r[2]), _fmt(e))
        for r, a, e in zip(shown, avg, energy_avg, strict=True)
    ]
    return Chart(
        key="mood",
        title="Mood and energy",
        description="Each day's mood and energy (0 to 10), with a 7-day average to show the tide "
        "under the waves.",
        figure=figure if shown else None,
        caption="Mood and energy by day",
        headers=("Day", "Mood", "Mood, 7-day average", "Energy", "Energy, 7-day average"),
        rows=rows,
    )


def mood_energy_weekly(weeks, start, today, sessions) -> Chart:
    x = [_iso(w.week_start) for w in weeks]
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Mood, weekly average",
                "x": x,
                "y": [_round(w.mood_mean) for w in weeks],
                "line": {"color": MOOD, "width": 3},
                "marker": {"size": 4},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Energy, weekly average",
                "x": x,
                "y": [_round(w.energy_mean) for w in weeks],
                "line": {"color": ENERGY, "width": 2, "dash": "dash"},
            },
        ],
        "layout": _layout("Mood and energy, week by week", "0 to 10", (0, 10.6)),
    }
    _sessions_overlay(figure, sessions, 10.4)
    return Chart(
        key="mood",
        title="Mood and energy",
        description="Over a year or more, each point is a week's average (Monday to Sunday).",
        figure=figure if weeks else None,
        caption="Mood and energy, weekly averages",
        headers=("Week of", "Days logged", "Mood, average", "Energy, average"),
        rows=[(w.week_start, w.days_logged, _fmt(w.mood_mean), _fmt(w.energy_mean)) for w in weeks],
    )


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def weekly_band(
    weeks, sessions, *, key, title, description, mean, low, high, color, y_title, y_range
):
    x = [_iso(w.week_start) for w in weeks]
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Lowest that week",
                "x": x,
                "y": [getattr(w, low) for w in weeks],
                "line": {"width": 0, "color": color},
                "showlegend": False,
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Lowest to highest",
                "x": x,
                "y": [getattr(w, high) for w in weeks],
                "fill": "tonexty",
                "fillcolor": "rgba(120, 140, 170, 0.25)",
                "line": {"width": 0, "color": color},
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Weekly average",
                "x": x,
                "y": [_round(getattr(w, mean)) for w in weeks],
                "line": {"color": color, "width": 3},
                "marker": {"size": 4},
            },
        ],
        "layout": _layout(title, y_title, y_range),
    }
    _sessions_overlay(figure, sessions, y_range[1] - 0.2 if y_range else 0)
    return Chart(
        key=key,
        title=title,
        description=description,
        figure=figure if weeks else None,
        caption=title,
        headers=("Week of", "Days logged", "Average", "Lowest", "Highest"),
        rows=[
            (
                w.week_start,
                w.days_logged,
                _fmt(getattr(w, mean)),
                _fmt(getattr(w, low)),
                _fmt(getattr(w, high)),
            )
            for w in weeks
        ],
    )


def sleep_daily(daily, start, today, sessions) -> Chart:
    shown = [r for r in daily if r[0] >= start and r[3] is not None]
    x = [_iso(r[0]) for r in shown]
    figure = {
        "data": [
            {
                "type": "bar",
                "name": "Hours slept",
                "x": x,
                "y": [float(r[3]) for r in shown],
                "marker": {"color": SLEEP},
            }
        ],
        "layout": _layout("Sleep", "hours", (0, 14.5)),
    }
    figure["layout"]["xaxis"]["range"] = [_iso(start - dt.timedelta(days=1)), _iso(today)]
    _sessions_overlay(figure, sessions, 14)
    return Chart(
        key="sleep",
        title="Sleep",
        description="Hours slept each night.",
        figure=figure if shown else None,
        caption="Hours slept by day",
        headers=("Day", "Hours slept"),
        rows=[(r[0], _fmt(float(r[3]))) for r in shown],
    )


def _phq9_outcomes(phq9: list[tuple[dt.date, int]], first_session: dt.date | None):
    """For each PHQ-9: (response, remission). Response is a drop of 50% or more from the first
    score on or after the first treatment session (or the first score, if no session yet);
    remission is a total under 5 (Kroenke et al. 2001; the usual trial definitions)."""
    out = []
    for day, total in phq9:
        if first_session is not None and first_session <= day:
            base = next((t for d, t in phq9 if d >= first_session), None)
        else:
            base = phq9[0][1] if phq9 else None
        response = bool(base) and total * 2 <= base
        out.append((response, total < 5))
    return out


def questionnaire_chart(key, title, scores, bands, start, today, sessions, first_session) -> Chart:
    shown = [(d, t) for d, t in scores if d >= start]
    top = bands[-1][1]
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": title,
                "x": [_iso(d) for d, _ in shown],
                "y": [t for _, t in shown],
                "line": {"color": PHQ9 if key == "phq9" else GAD7, "width": 2},
                "marker": {"size": 8},
            }
        ],
        "layout": _layout(f"{title} over time", "total score", (0, top + 1)),
    }
    layout = figure["layout"]
    for (low, high, name), fill in zip(bands, BAND_FILLS, strict=False):
        layout["shapes"].append(
            {
                "type": "rect",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": low - 0.5 if low else 0,
                "y1": high + 0.5,
                "fillcolor": fill,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        layout["annotations"].append(
            {
                "xref": "paper",
                "yref": "y",
                "x": 0.01,
                "xanchor": "left",
                "y": (low + high) / 2,
                "text": name,
                "name": "band",  # charts.js leaves band labels out on a phone's narrow chart
                "showarrow": False,
                "font": {"size": 10},
                "opacity": 0.7,
            }
        )
    rows = []
    outcomes = (
        _phq9_outcomes(scores, first_session) if key == "phq9" else [(False, False)] * len(scores)
    )
    outcome_by_day = dict(zip([d for d, _ in scores], outcomes, strict=True))
    response_x, remission_x, response_y, remission_y = [], [], [], []
    for d, t in shown:
        band = next(name for low, high, name in bands if low <= t <= high)
        response, remission = outcome_by_day[d]
        row = [d, t, band]
        if key == "phq9":
            row.append(
                ", ".join(w for w, on in (("response", response), ("remission", remission)) if on)
                or DASH
            )
            if response:
                response_x.append(_iso(d))
                response_y.append(t)
            if remission:
                remission_x.append(_iso(d))
                remission_y.append(t)
        rows.append(row)
    if response_x:
        figure["data"].append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Response (50% lower than when treatment began)",
                "x": response_x,
                "y": response_y,
                "marker": {"symbol": "star", "size": 15, "color": "#2e7d32"},
            }
        )
    if remission_x:
        figure["data"].append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Remission (under 5)",
                "x": remission_x,
                "y": remission_y,
                "marker": {
                    "symbol": "diamond-open",
                    "size": 18,
                    "color": "#2e7d32",
                    "line": {"width": 2},
                },
            }
        )
    layout["xaxis"]["range"] = [_iso(start), _iso(today)]
    _sessions_overlay(figure, sessions, top + 0.5)
    headers = ["Day", "Total", "Severity"] + (["Marked"] if key == "phq9" else [])
    return Chart(
        key=key,
        title=title,
        description=(
            "Shaded bands show severity: "
            + ", ".join(f"{low}{DASH}{high} {name.lower()}" for low, high, name in bands)
            + "."
        ),
        figure=figure if shown else None,
        caption=f"{title} totals",
        headers=headers,
        rows=rows,
        empty_text=f"No {title} in this range yet.",
    )


def what_helps_chart(activity_rows, total_days: int, total_mood: int) -> Chart:
    """Mean mood on days with and without each activity, with counts. Below
    WHAT_HELPS_MIN_DAYS on either side we say so: a difference over three days is noise."""
    rows, enough = [], []
    for _, name, n_with, mood_with in sorted(activity_rows, key=lambda r: r[1].lower()):
        n_without = total_days - n_with
        mean_with = mood_with / n_with if n_with else None
        mean_without = (total_mood - mood_with) / n_without if n_without else None
        if n_with < WHAT_HELPS_MIN_DAYS or n_without < WHAT_HELPS_MIN_DAYS:
            verdict = "Not enough days to tell yet"
        else:
            diff = mean_with - mean_without
            verdict = (
                f"{abs(diff):.1f} higher with it"
                if diff >= 0.05
                else f"{abs(diff):.1f} lower with it"
                if diff <= -0.05
                else "About the same"
            )
            enough.append((name, mean_with, n_with, mean_without, n_without))
        rows.append((name, n_with, _fmt(mean_with), n_without, _fmt(mean_without), verdict))
    names = [e[0] for e in enough]
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": "Days with it",
                "y": names,
                "x": [round(e[1], 2) for e in enough],
                "text": [f"{e[2]} days" for e in enough],
                "marker": {"color": MOOD},
            },
            {
                "type": "bar",
                "orientation": "h",
                "name": "Days without it",
                "y": names,
                "x": [round(e[3], 2) for e in enough],
                "text": [f"{e[4]} days" for e in enough],
                "marker": {"color": "#9aa7b5"},
            },
        ],
        "layout": {
            **_layout("Average mood with and without each activity", "", None),
            "barmode": "group",
            "height": 120 + 56 * len(enough),
            "xaxis": {"range": [0, 10]},
            # Just under the axis, whatever the number of rows: the legend's y is a fraction
            # of the plot's height (the figure's less its 40 px top and bottom margins).
            "legend": {"orientation": "h", "y": -round(45 / (40 + 56 * len(enough)), 3)},
            "yaxis": {"automargin": True, "fixedrange": True},
            "hovermode": "closest",
        },
    }
    return Chart(
        key="what-helps",
        title="What helps",
        description=(
            "Average mood on days with and without each activity. This shows what goes together, "
            "not what causes what. With fewer than "
            f"{WHAT_HELPS_MIN_DAYS} days on either side we don't guess."
        ),
        figure=figure if enough else None,
        caption="Average mood with and without each activity",
        headers=("Activity", "Days with", "Mood with", "Days without", "Mood without", "So far"),
        rows=rows,
        empty_text=(
            "Not enough days to tell yet. Tag activities in your check-ins and this fills in."
            if rows
            else "No activities tagged in this range yet."
        ),
    )


# --- Loading ---------------------------------------------------------------------------------


def _what_helps_rows(patient_id: int, start: dt.date, end: dt.date):
    """Per activity: days with it and their mood sum; plus one totals row (id NULL). One query."""
    checkin = CheckIn._meta.db_table
    through = CheckIn.activities.through._meta.db_table
    activity = CheckIn.activities.field.related_model._meta.db_table
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


def _sessions_and_scores(patient) -> tuple[list[dt.date], list[tuple[str, dt.date, int]]]:
    """All treatment-session days and questionnaire totals, in one query (a few rows a month)."""
    session_rows = (
        TreatmentSession.objects.filter(patient=patient)
        .order_by()
        .annotate(what=Value("session"), score=Value(0, output_field=IntegerField()))
        .values_list("what", "day", "score")
    )
    rows = (
        QuestionnaireResponse.objects.filter(patient=patient)
        .order_by()
        .annotate(what=F("instrument"), score=F("total"))
        .values_list("what", "day", "score")
        .union(session_rows, all=True)
    )
    ordered = sorted(rows, key=lambda r: (r[1], r[0]))
    sessions = [day for what, day, _ in ordered if what == "session"]
    scores = [(what, day, total) for what, day, total in ordered if what != "session"]
    return sessions, scores


def safety_plan_url() -> str | None:
    # The journal app owns the safety plan page; link to it once it exists.
    try:
        return reverse("safety_plan")
    except NoReverseMatch:
        return None


@dataclass
class ShownSignal:
    signal: Signal
    next_steps: tuple[str, ...]


CACHE_SECONDS = 60 * 60  # a backstop only: a change to the data changes the key at once


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
        for m in (CheckIn, QuestionnaireResponse, TreatmentSession, WeeklySummary, Activity)
    }
    sql = f"""
SELECT c.n, c.m, c.v, q.n, q.m, q.s, t.n, t.m, w.n, w.m, a.n, a.m
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
"""  # noqa: S608 - table names only; values are parameters
    pid = patient_id
    params = [pid, daily_from, daily_to, pid, pid, pid, weeks_from, pid]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(str(v) for v in cursor.fetchone())


def trends_context(patient, range_key: str | None) -> dict:
    """Everything `journal/trends/_charts.html` renders, for `patient` over `range_key`.

    The caller must have the patient from `patient_for_viewer(..., scope=Scope.TRENDS)`: the
    charts are the same for every viewer allowed to see them (the trends scope holds no notes),
    and are cached per patient, range, local day and data fingerprint, so an unchanged history
    is built once. Signals are read fresh every time. A fixed number of queries, whatever the
    length of history: two on a cached page, eight when the charts are built.
    """
    range_key = range_key if range_key in RANGES else DEFAULT_RANGE
    today = patient.today()
    version = _data_version(patient.pk, range_key, today)
    fingerprint = repr((patient.pk, range_key, today.isoformat(), version))
    cache_key = "trends:charts:v5:" + hashlib.sha256(fingerprint.encode()).hexdigest()
    built = cache.get(cache_key)
    if built is None:
        built = _build_charts(patient, range_key, today)
        # The charts section rendered once, too: on a cached page it is a string to insert, not
        # a few hundred template nodes to walk. The script and style tags stay outside it, so a
        # deploy's new static file names are never stuck in the cache.
        built["html"] = render_to_string(
            "journal/trends/_charts_body.html",
            {**_range_context(range_key), **built},
        )
        cache.set(cache_key, built, CACHE_SECONDS)

    signals = [
        ShownSignal(s, early_warning.next_steps(s.kind))
        for s in sorted(
            Signal.objects.filter(patient=patient, resolved_at__isnull=True),
            key=lambda s: (not s.is_urgent, -s.detected_at.timestamp()),
        )
    ]
    return {
        "trends_patient": patient,
        **_range_context(range_key),
        # Our own template's output, escaped when it was rendered (a cache may hand back str).
        "charts_html": mark_safe(built["html"]),
        "range_start": built["range_start"],
        "range_end": today,
        "charts": built["charts"],
        "signals": signals,
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
        [w.week_start for w in weeks[:1]] + [d for _, d, _ in scores[:1]] + sessions[:1],
        default=None,
    )
    start = _range_start(range_key, today, first_day)
    if days is None or days > DAILY_MAX_DAYS:
        start = week_start(start)  # long ranges are whole weeks: they read weekly rows
    first_session = sessions[0] if sessions else None
    in_range_sessions = [d for d in sessions if start <= d <= today]
    phq9 = [(d, t) for i, d, t in scores if i == "phq9"]
    gad7 = [(d, t) for i, d, t in scores if i == "gad7"]

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
            y_range=(0, 14.5),
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
            y_range=(0, 10.6),
        )
    )
    charts.append(sleep)
    charts.append(
        questionnaire_chart(
            "phq9", "PHQ-9", phq9, PHQ9_BANDS, start, today, in_range_sessions, first_session
        )
    )
    charts.append(
        questionnaire_chart(
            "gad7", "GAD-7", gad7, GAD7_BANDS, start, today, in_range_sessions, first_session
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
    return {
        "range_start": start,
        "charts": [chart.shown() for chart in charts],
        "has_entries": bool(total_days or weeks),
    }
