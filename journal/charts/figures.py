"""The trend charts, one function each: pure, from rows already loaded to a `Chart` (a Plotly
figure built with plotly.graph_objects through .plot, and its table). Notes and session
insights are never part of a chart: the trends scope does not include them."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

from .. import measures
from ..courses import Point, Span, course_baseline, point_outcomes
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
    _rolling_mean,
)
from .plot import figure, layout, part, plotly_text, sessions_overlay, time_layout

WHAT_HELPS_MIN_DAYS = 5  # on each side; under this we say so instead of guessing
MOOD_RANGE = (0, 10.6)  # 0 to 10, with room above for the session markers
SLEEP_RANGE = (0, 14.5)


def mood_energy_daily(daily, start, today, sessions) -> Chart:
    mood = {d: m for d, m, *_ in daily}
    energy = {d: e for d, _, e, _ in daily if e is not None}
    shown = [row for row in daily if row[0] >= start]
    days = [_iso(r[0]) for r in shown]
    avg = [_rolling_mean(mood, r[0]) for r in shown]
    energy_avg = [_rolling_mean(energy, r[0]) for r in shown]
    fig = figure(
        [
            part(
                go.Scatter,
                dict(x=days, y=[r[1] for r in shown]),
                mode="markers",
                name="Mood",
                marker=dict(color=MOOD, size=7),
            ),
            part(
                go.Scatter,
                dict(x=days, y=avg),
                mode="lines",
                name="Mood, 7-day average",
                line=dict(color=MOOD, width=3),
            ),
            part(
                go.Scatter,
                dict(x=days, y=[r[2] for r in shown]),
                mode="markers",
                name="Energy",
                marker=dict(color=ENERGY, size=6, symbol="square"),
            ),
            part(
                go.Scatter,
                dict(x=days, y=energy_avg),
                mode="lines",
                name="Energy, 7-day average",
                line=dict(color=ENERGY, width=2, dash="dash"),
            ),
            *sessions_overlay(sessions, MOOD_RANGE, 10.4),
        ],
        time_layout("Mood and energy by day", "0 to 10", MOOD_RANGE, (start, today)),
    )
    rows = [
        (r[0], r[1], _fmt(a), _fmt(r[2]), _fmt(e))
        for r, a, e in zip(shown, avg, energy_avg, strict=True)
    ]
    return Chart(
        key="mood",
        title="Mood and energy",
        description="Each day's mood and energy (0 to 10), with a 7-day average to show the tide "
        "under the waves.",
        figure=fig if shown else None,
        caption="Mood and energy by day",
        headers=("Day", "Mood", "Mood, 7-day average", "Energy", "Energy, 7-day average"),
        rows=rows,
    )


def mood_energy_weekly(weeks, start, today, sessions) -> Chart:
    x = [_iso(w.week_start) for w in weeks]
    fig = figure(
        [
            part(
                go.Scatter,
                dict(x=x, y=[_round(w.mood_mean) for w in weeks]),
                mode="lines+markers",
                name="Mood, weekly average",
                line=dict(color=MOOD, width=3),
                marker=dict(size=4),
            ),
            part(
                go.Scatter,
                dict(x=x, y=[_round(w.energy_mean) for w in weeks]),
                mode="lines",
                name="Energy, weekly average",
                line=dict(color=ENERGY, width=2, dash="dash"),
            ),
            *sessions_overlay(sessions, MOOD_RANGE, 10.4),
        ],
        time_layout("Mood and energy, week by week", "0 to 10", MOOD_RANGE),
    )
    return Chart(
        key="mood",
        title="Mood and energy",
        description="Over a year or more, each point is a week's average (Monday to Sunday).",
        figure=fig if weeks else None,
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
    fig = figure(
        [
            part(
                go.Scatter,
                dict(x=x, y=[getattr(w, low) for w in weeks]),
                mode="lines",
                name="Lowest that week",
                line=dict(width=0, color=color),
                showlegend=False,
                hoverinfo="skip",
            ),
            part(
                go.Scatter,
                dict(x=x, y=[getattr(w, high) for w in weeks]),
                mode="lines",
                name="Lowest to highest",
                fill="tonexty",
                fillcolor="rgba(120, 140, 170, 0.25)",
                line=dict(width=0, color=color),
                hoverinfo="skip",
            ),
            part(
                go.Scatter,
                dict(x=x, y=[_round(getattr(w, mean)) for w in weeks]),
                mode="lines+markers",
                name="Weekly average",
                line=dict(color=color, width=3),
                marker=dict(size=4),
            ),
            *sessions_overlay(sessions, y_range, y_range[1] - 0.2),
        ],
        time_layout(title, y_title, y_range),
    )
    return Chart(
        key=key,
        title=title,
        description=description,
        figure=fig if weeks else None,
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


# The measures the mood and sleep charts already draw; every other 0-10 measure of the registry
# gets a line on "Other areas".
DRAWN_ELSEWHERE = ("mood", "energy")


def other_areas_weekly(weeks, sessions) -> Chart:
    """Each week's average of every other 0-10 measure (interest, anxiety, irritability,
    self-worth, connection, and any the registry gains), read from the weekly rows the page
    already has. A measure the patient never rated in the range is left out."""
    shown = [
        m
        for m in measures.OPTIONAL
        if m.kind is measures.Kind.SCALE
        and m.name not in DRAWN_ELSEWHERE
        and any(getattr(w, f"{m.name}_mean", None) is not None for w in weeks)
    ]
    x = [_iso(w.week_start) for w in weeks]
    fig = figure(
        [
            *(
                part(
                    go.Scatter,
                    dict(x=x, y=[_round(getattr(w, f"{m.name}_mean")) for w in weeks]),
                    mode="lines+markers",
                    name=m.label,
                    line=dict(color=m.colour, width=2),
                    marker=dict(size=4),
                    connectgaps=False,
                )
                for m in shown
            ),
            *sessions_overlay(sessions, MOOD_RANGE, 10.4),
        ],
        time_layout("Other areas, week by week", "0 to 10", MOOD_RANGE),
    )
    lower_better = [m.label.lower() for m in shown if m.better is measures.Better.LOWER]
    description = "Each week's average of the other things you rate from 0 to 10."
    if lower_better:
        description += f" For {' and '.join(lower_better)}, lower is better."
    return Chart(
        key="other-areas",
        title="Other areas",
        description=description,
        figure=fig if shown else None,
        caption="Other areas, weekly averages",
        headers=("Week of", "Days logged", *(f"{m.label}, average" for m in shown)),
        rows=[
            (
                w.week_start,
                w.days_logged,
                *(_fmt(getattr(w, f"{m.name}_mean")) for m in shown),
            )
            for w in weeks
        ]
        if shown
        else [],
        empty_text=(
            "Nothing rated in this range yet. Under “More about today” in a check-in you can "
            "rate interest, anxiety, connection and more; they show here week by week."
        ),
    )


def sleep_daily(daily, start, today, sessions) -> Chart:
    shown = [r for r in daily if r[0] >= start and r[3] is not None]
    x = [_iso(r[0]) for r in shown]
    fig = figure(
        [
            part(
                go.Bar,
                dict(x=x, y=[float(r[3]) for r in shown]),
                name="Hours slept",
                marker=dict(color=SLEEP),
            ),
            *sessions_overlay(sessions, SLEEP_RANGE, 14),
        ],
        time_layout("Sleep", "hours", SLEEP_RANGE, (start - dt.timedelta(days=1), today)),
    )
    return Chart(
        key="sleep",
        title="Sleep",
        description="Hours slept each night.",
        figure=fig if shown else None,
        caption="Hours slept by day",
        headers=("Day", "Hours slept"),
        rows=[(r[0], _fmt(float(r[3]))) for r in shown],
    )


def questionnaire_chart(
    key: str,
    title: str,
    points: list[Point],
    bands,
    start: dt.date,
    today: dt.date,
    sessions,
    spans: list[Span],
) -> Chart:
    """A questionnaire's totals over time on its severity bands. For PHQ-9, each score is
    marked with response or remission against its course's baseline (journal/courses.py), and
    a note says in words what each course is measured from."""
    scores = [(p.day, p.total) for p in points]
    shown = [(d, t) for d, t in scores if d >= start]
    top = bands[-1][1]
    # The bands are the same for every figure of an instrument: one shape, validated once.
    band_rects = [
        dict(
            type="rect",
            xref="paper",
            yref="y",
            x0=0,
            x1=1,
            y0=low - 0.5 if low else 0,
            y1=high + 0.5,
            fillcolor=fill,
            line=dict(width=0),
            layer="below",
        )
        for (low, high, _), fill in zip(bands, BAND_FILLS, strict=False)
    ]
    band_names = [
        dict(
            xref="paper",
            yref="y",
            x=0.01,
            xanchor="left",
            y=(low + high) / 2,
            text=name,
            name="band",  # charts.js leaves band labels out on a phone's narrow chart
            showarrow=False,
            font=dict(size=10),
            opacity=0.7,
        )
        for low, high, name in bands
    ]
    rows = []
    outcomes = point_outcomes(points, spans) if key == "phq9" else [(False, False)] * len(points)
    shown_outcomes = [o for p, o in zip(points, outcomes, strict=True) if p.day >= start]
    notes = []
    if key == "phq9":
        for n, span in enumerate(spans, start=1):
            if span.next_day is not None and span.next_day < start:
                continue  # a course wholly before the range
            which = f"Course {n}" if len(spans) > 1 else "This course"
            notes.append(f"{which}: {course_baseline(points, span).words}")
    # Each course's baseline and the response line (half of it), from its first session to
    # the next course's (or today): one dashed trace each, gaps between courses.
    base_x: list = []
    base_y: list = []
    half_y: list = []
    if key == "phq9":
        for span in spans:
            base = course_baseline(points, span).point
            if base is None:
                continue
            until = span.next_day or today
            if until < start:
                continue
            base_x += [_iso(max(span.first_day, start)), _iso(until), None]
            base_y += [base.total, base.total, None]
            half_y += [base.total / 2, base.total / 2, None]
    response_x, remission_x, response_y, remission_y = [], [], [], []
    for (d, t), (response, remission) in zip(shown, shown_outcomes, strict=True):
        band = next(name for low, high, name in bands if low <= t <= high)
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
    traces = [
        part(
            go.Scatter,
            dict(x=[_iso(d) for d, _ in shown], y=[t for _, t in shown]),
            mode="lines+markers",
            name=title,
            line=dict(color=PHQ9 if key == "phq9" else GAD7, width=2),
            marker=dict(size=8),
        )
    ]
    if base_x:
        traces += [
            part(
                go.Scatter,
                dict(x=base_x, y=base_y),
                mode="lines",
                name="Course baseline",
                line=dict(color="#555555", width=1.5, dash="dash"),
                hovertemplate="Course baseline: %{y}<extra></extra>",
            ),
            part(
                go.Scatter,
                dict(x=base_x, y=half_y),
                mode="lines",
                name="Response line (half the baseline)",
                line=dict(color="#2e7d32", width=1.5, dash="dot"),
                hovertemplate="Response line: %{y}<extra></extra>",
            ),
        ]
    if response_x:
        traces.append(
            part(
                go.Scatter,
                dict(x=response_x, y=response_y),
                mode="markers",
                name="Response (50% lower than when treatment began)",
                marker=dict(symbol="star", size=15, color="#2e7d32"),
            )
        )
    if remission_x:
        traces.append(
            part(
                go.Scatter,
                dict(x=remission_x, y=remission_y),
                mode="markers",
                name="Remission (under 5)",
                marker=dict(symbol="diamond-open", size=18, color="#2e7d32", line=dict(width=2)),
            )
        )
    y_range = (0, top + 1)
    fig = figure(
        [*traces, *sessions_overlay(sessions, y_range, top + 0.5)],
        time_layout(
            f"{title} over time",
            "total score",
            y_range,
            (start, today),
            shapes=band_rects,
            annotations=band_names,
        ),
    )
    headers = ["Day", "Total", "Severity"] + (["Marked"] if key == "phq9" else [])
    return Chart(
        key=key,
        title=title,
        description=(
            "Shaded bands show severity: "
            + ", ".join(f"{low}{DASH}{high} {name.lower()}" for low, high, name in bands)
            + "."
        ),
        figure=fig if shown else None,
        caption=f"{title} totals",
        headers=headers,
        rows=rows,
        empty_text=f"No {title} in this range yet.",
        notes=notes,
    )


def what_helps_chart(activity_rows, total_days: int, total_mood: int) -> Chart:
    """Mean mood on days with and without each activity, with counts. Below
    WHAT_HELPS_MIN_DAYS on either side we say so: a difference over three days is noise."""
    rows, enough = [], []
    for _, name, n_with, mood_with in sorted(activity_rows, key=lambda r: r[1].lower()):
        n_without = total_days - n_with
        mean_with = mood_with / n_with if n_with else None
        mean_without = (total_mood - mood_with) / n_without if n_without else None
        if (
            mean_with is None
            or mean_without is None
            or n_with < WHAT_HELPS_MIN_DAYS
            or n_without < WHAT_HELPS_MIN_DAYS
        ):
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
    # Tag names are typed by people (a patient's own tags): escaped for plotly.js, which would
    # read <a href>, <b> or <br> in a tick label or hover text as markup.
    names = [plotly_text(e[0]) for e in enough]
    fig = figure(
        [
            part(
                go.Bar,
                dict(
                    x=[round(e[1], 2) for e in enough],
                    y=names,
                    text=[f"{e[2]} days" for e in enough],
                ),
                orientation="h",
                name="Days with it",
                marker=dict(color=MOOD),
            ),
            part(
                go.Bar,
                dict(
                    x=[round(e[3], 2) for e in enough],
                    y=names,
                    text=[f"{e[4]} days" for e in enough],
                ),
                orientation="h",
                name="Days without it",
                marker=dict(color="#9aa7b5"),
            ),
        ],
        layout(
            "Average mood with and without each activity",
            barmode="group",
            height=120 + 56 * len(enough),
            xaxis=dict(range=[0, 10]),
            # Just under the axis, whatever the number of rows: the legend's y is a fraction
            # of the plot's height (the figure's less its 40 px top and bottom margins).
            legend=dict(orientation="h", y=-round(45 / (40 + 56 * len(enough)), 3)),
            # Categories always, even for a tag named "2024" or "5", which plotly.js would
            # otherwise take for a number and plot on a numeric axis.
            yaxis=dict(type="category", automargin=True, fixedrange=True),
            hovermode="closest",
        ),
    )
    return Chart(
        key="what-helps",
        title="What helps",
        description=(
            "Average mood on days with and without each activity. This shows what goes together, "
            "not what causes what. With fewer than "
            f"{WHAT_HELPS_MIN_DAYS} days on either side we don't guess."
        ),
        figure=fig if enough else None,
        caption="Average mood with and without each activity",
        headers=("Activity", "Days with", "Mood with", "Days without", "Mood without", "So far"),
        rows=rows,
        empty_text=(
            "Not enough days to tell yet. Tag activities in your check-ins and this fills in."
            if rows
            else "No activities tagged in this range yet."
        ),
    )
