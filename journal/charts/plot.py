"""Plotly for the trend charts: every trace and layout built by `plotly.graph_objects`, every
figure written out by `plotly.io`, for the vendored plotly.js *basic* bundle (scatter, bar, pie).

Built once per shape. graph_objects checks every attribute name and value against plotly's
schema, so a misspelt attribute or a value plotly.js cannot read fails here, in Python, rather
than as a blank chart in someone's browser. That check costs ~0.3 ms a trace and ~1 to 5 ms a
layout: 30 to 60 ms a trends page, 2 to 4 times the page before plotly built it (BENCHMARKS.md,
2026-12-01). So `part` builds each distinct *shape* (everything but the data) through
graph_objects once per process, with the data of the first figure of that shape, and keeps it;
later figures of the same shape get the kept part with their own data put in. The data are the
few attributes whose values plotly checks only for their form (`DATA`: the x, y and text arrays,
and a date axis's range: arrays, strings for text, two values for a range), made here from
database rows as lists of numbers, ISO dates, None and our own or escaped text.
tests/journal/test_trends_figures.py rebuilds every chart of every range through `go.Figure`,
which validates the whole figure, data and all.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

SESSION = "#2a9d8f"
# The trace types of plotly.js's basic bundle (static/vendor/plotly): nothing else may be drawn.
BASIC_BUNDLE_TRACES = frozenset({"scatter", "bar", "pie"})
# plotly.py's own "no styling" template. Its default ("plotly") would add ~7.5 KB to every
# figure, a grey plot area that ignores dark mode and colours of its own; without one, the
# charts keep plotly.js's defaults with charts.js's page colours, as they always had.
TEMPLATE = "none"
# What `part` may put in as data, and where in the part (a layout's "xaxis_range" is its
# xaxis.range, plotly's own underscore path).
DATA = {"x": ("x",), "y": ("y",), "text": ("text",), "xaxis_range": ("xaxis", "range")}
# A bound on the kept shapes: there are a few dozen (one "what helps" layout per number of
# activities shown), but a shape that took data by mistake must not grow without end.
MAX_SHAPES = 512
_shapes: dict[tuple, str] = {}

# The characters plotly.js reads as pseudo-HTML (<b>, <br>, <a href>, entities).
_PLOTLY_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# What Django's json_script escapes, for JSON that plotly.io wrote (which escapes < and > too).
_JSON_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003C", ">": "\\u003E", "&": "\\u0026"})

Figure = dict[str, Any]  # {"data": [trace, ...], "layout": layout}, as plotly.js takes it


def plotly_text(value: str) -> str:
    """`value`, typed by a person, as text plotly.js shows literally.

    plotly.js renders tick labels, legend names, hover text and annotations as pseudo-HTML, so
    a tag named `<a href="https://evil.test">x</a>` would put a working link in the care
    team's chart, and `<b>` or `<br>` would restyle it. plotly.js turns `&amp;`, `&lt;` and
    `&gt;` back into the characters after it has read the tags, as plain text."""
    return value.translate(_PLOTLY_TEXT_ESCAPES)


def part(cls: type, /, data: Mapping[str, Sequence] | None = None, **attrs: Any) -> dict:
    """`cls(**attrs, **data).to_plotly_json()` (`cls` a graph_objects class: go.Scatter,
    go.Bar, go.Layout), validated by plotly once per distinct `attrs` (see the module's
    docstring); `data` are the arrays and ranges named in `DATA`."""
    data = data or {}
    if unknown := data.keys() - DATA.keys():
        raise TypeError(f"not data for part(): {sorted(unknown)}; give them as attributes")
    key = (cls, tuple(sorted(data)), repr(attrs))
    kept = _shapes.get(key)
    if kept is None:
        # The first of its shape: built with its data, so plotly validates all of it.
        built = cls(**attrs, **data).to_plotly_json()
        for name in data:
            *parents, last = DATA[name]
            holder = built
            for p in parents:
                holder = holder[p]
            del holder[last]
        if len(_shapes) >= MAX_SHAPES:
            _shapes.clear()
        # Kept as JSON: each figure gets its own copy to fill, never one another's.
        kept = _shapes[key] = json.dumps(built)
    result = json.loads(kept)
    for name, values in data.items():
        *parents, last = DATA[name]
        holder = result
        for p in parents:
            holder = holder.setdefault(p, {})
        holder[last] = list(values)
    return result


def figure(traces: Iterable[dict], layout: dict) -> Figure:
    data = list(traces)
    if unknown := {t["type"] for t in data} - BASIC_BUNDLE_TRACES:
        # Refused here: the page's bundle would draw nothing, with only a console error.
        raise ValueError(f"not in the vendored plotly.js basic bundle: {sorted(unknown)}")
    return {"data": data, "layout": layout}


def figure_script(fig: Figure, element_id: str) -> SafeString:
    """The figure as a `<script type="application/json">` block, as Django's json_script
    makes it, written by plotly.io (which writes dates and NaN as plotly.js reads them)."""
    body = pio.to_json(fig, validate=False).translate(_JSON_SCRIPT_ESCAPES)
    return format_html(
        '<script id="{}" type="application/json">{}</script>', element_id, mark_safe(body)
    )


def layout(title: str, data: Mapping[str, Sequence] | None = None, **parts: Any) -> dict:
    """A chart's layout: what every chart shares, with `parts` added or put instead."""
    return part(
        go.Layout,
        data,
        **{
            "template": TEMPLATE,
            "title": dict(text=title, font=dict(size=15)),
            "margin": dict(l=44, r=12, t=40, b=40),
            "height": 300,
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "legend": dict(orientation="h", y=-0.2),
            "hovermode": "x unified",
            **parts,
        },
    )


def time_layout(
    title: str,
    y_title: str,
    y_range: Sequence[float],
    x_range: Sequence[dt.date] | None = None,
    **parts: Any,
) -> dict:
    """The layout of a chart over time: dates along (over `x_range` when given, else as far
    as the data go), a measure's fixed scale up."""
    return layout(
        title,
        {"xaxis_range": [d.isoformat() for d in x_range]} if x_range else None,
        xaxis=dict(type="date"),
        yaxis=dict(title=dict(text=y_title), fixedrange=True, range=list(y_range)),
        **parts,
    )


def sessions_overlay(sessions: Iterable[dt.date], y_range: Sequence[float], y: float) -> list:
    """Treatment sessions as dotted lines from the bottom of the chart to the top, and a
    hoverable marker at `y` on each: two traces (none when there are no sessions), one legend
    entry. Lines drawn as one trace rather than a layout shape each: a trace's x values are
    data, so a chart's sessions cost no validation of their own."""
    days = [d.isoformat() for d in sessions]
    if not days:
        return []
    low, high = y_range
    return [
        part(
            go.Scatter,
            dict(
                x=[v for d in days for v in (d, d, None)],
                y=[v for _ in days for v in (low, high, None)],
            ),
            mode="lines",
            name="Treatment session",
            legendgroup="sessions",
            showlegend=False,
            hoverinfo="skip",
            line=dict(color=SESSION, width=1, dash="dot"),
        ),
        part(
            go.Scatter,
            dict(x=days, y=[y] * len(days)),
            mode="markers",
            name="Treatment session",
            legendgroup="sessions",
            marker=dict(symbol="triangle-down", size=11, color=SESSION),
            hovertemplate="Treatment session<extra></extra>",
        ),
    ]


COURSE_FILL = "rgba(42, 157, 143, 0.10)"  # the session colour, faint: behind everything


def courses_shading(fig: Figure, courses: Sequence[tuple[dt.date, dt.date, str]]) -> Figure:
    """`fig` with each treatment course (first day, last day, label) shaded from the top of
    the chart to the bottom and named at the top, behind the data. Layout shapes of a fixed
    form (dates are data), so one charts' courses are one small list, whatever the history."""
    if not courses:
        return fig
    layout_ = fig["layout"]
    layout_["shapes"] = [
        *layout_.get("shapes", []),
        *(
            dict(
                type="rect",
                xref="x",
                yref="paper",
                x0=start.isoformat(),
                x1=(end + dt.timedelta(days=1)).isoformat(),
                y0=0,
                y1=1,
                fillcolor=COURSE_FILL,
                line=dict(width=0),
                layer="below",
            )
            for start, end, _ in courses
        ),
    ]
    layout_["annotations"] = [
        *layout_.get("annotations", []),
        *(
            dict(
                xref="x",
                yref="paper",
                x=start.isoformat(),
                xanchor="left",
                y=1,
                yanchor="top",
                text=plotly_text(label),
                showarrow=False,
                font=dict(size=10, color=SESSION),
            )
            for start, _, label in courses
        ),
    ]
    return fig


MEDICATION = "#8e44ad"


def medications_overlay(fig: Figure, events: Sequence[tuple[dt.date, str, str]]) -> Figure:
    """`fig` with each medication start, dose change and stop (day, what, words) as a marker
    near the top of the chart, its words on hover (typed names escaped: plotly_text). One
    trace, one legend entry; none without events."""
    if not events:
        return fig
    top = fig["layout"].get("yaxis", {}).get("range", [0, 10])[1]
    fig["data"].append(
        part(
            go.Scatter,
            dict(
                x=[day.isoformat() for day, _, _ in events],
                y=[top * 0.9] * len(events),
                text=[plotly_text(words) for _, _, words in events],
            ),
            mode="markers",
            name="Medication change",
            marker=dict(symbol="diamond", size=10, color=MEDICATION),
            hovertemplate="%{text}<extra></extra>",
        )
    )
    return fig
