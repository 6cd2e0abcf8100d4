"""The trend charts, one function each: pure, from rows already loaded to a `Chart` (a Plotly
figure and its table). Notes and session insights are never part of a chart: the trends scope
does not include them."""

from __future__ import annotations

import datetime as dt

from ..questionnaires import phq9_outcomes
from .base import (
    BAND_FILLS,
    DASH,
    ENERGY,
    GAD7,
    MOOD,
    PHQ9,
    SLEEP,
    Chart,
    _fmt,
    _iso,
    _layout,
    _rolling_mean,
    _sessions_overlay,
)

WHAT_HELPS_MIN_DAYS = 5  # on each side; under this we say so instead of guessing


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
        phq9_outcomes(scores, first_session) if key == "phq9" else [(False, False)] * len(scores)
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
