"""The report's charts as static SVG, drawn here from the same rows the report's tables show:
they print as they look, with no JavaScript, no fonts and nothing fetched. Pure functions: rows
in, a string of SVG out. Every piece of text is escaped; no style attributes (the CSP allows no
inline style), only presentation attributes.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from ..charts.base import BAND_FILLS, GAD7, MOOD, PHQ9

WIDTH = 680
LEFT, RIGHT, TOP = 34, 92, 12  # room for the axis numbers, the band names, the markers
SESSION = "#6b7280"
GRID = "#c9d3de"
TEXT = "#1b2330"


class _Frame:
    """Days across, a value range up the side."""

    def __init__(self, start: dt.date, end: dt.date, low: float, high: float, height: int):
        self.start, self.end, self.low, self.high, self.height = start, end, low, high, height
        self.bottom = height - 22
        self.span = max(1, (end - start).days)

    def x(self, day: dt.date | float) -> float:
        days = (day - self.start).days if isinstance(day, dt.date) else day
        return LEFT + (WIDTH - LEFT - RIGHT) * days / self.span

    def y(self, value: float) -> float:
        return self.bottom - (self.bottom - TOP) * (value - self.low) / (self.high - self.low)


def _n(value: float) -> str:
    return f"{value:.1f}"


def _open(title: str, desc: str, height: int, key: str) -> list[str]:
    return [
        f'<svg class="report-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{key}-title {key}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{key}-title">{escape(title)}</title>',
        f'<desc id="{key}-desc">{escape(desc)}</desc>',
    ]


def _axes(f: _Frame, ticks: list[float]) -> list[str]:
    out = []
    for value in ticks:
        y = _n(f.y(value))
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" stroke="{GRID}" '
            'stroke-width="1"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{_n(f.y(value) + 4)}" text-anchor="end" font-size="11" '
            f'fill="{TEXT}">{value:g}</text>'
        )
    for day, anchor in ((f.start, "start"), (f.end, "end")):
        out.append(
            f'<text x="{_n(f.x(day))}" y="{f.height - 6}" text-anchor="{anchor}" font-size="11" '
            f'fill="{TEXT}">{escape(f"{day:%-d %b %Y}")}</text>'
        )
    return out


def _sessions(f: _Frame, days: list[dt.date]) -> list[str]:
    out = []
    for day in days:
        x = _n(f.x(day))
        out.append(
            f'<line x1="{x}" x2="{x}" y1="{TOP}" y2="{f.bottom}" stroke="{SESSION}" '
            'stroke-width="1.2" stroke-dasharray="4 3"/>'
        )
    return out


def _mid(week_start: dt.date, start: dt.date, end: dt.date) -> float:
    """The middle of the week's days inside the range, in days from `start`."""
    first = max(week_start, start)
    last = min(week_start + dt.timedelta(days=6), end)
    return (first - start).days + (last - first).days / 2


def weekly_band(weeks, sessions: list[dt.date], *, start: dt.date, end: dt.date) -> str:
    """Each week's average mood as a line, with a band from its lowest to its highest day."""
    if not weeks:
        return ""
    height = 190
    f = _Frame(start, end, 0, 10, height)
    points = [(f.x(_mid(w.start, start, end)), w) for w in weeks]
    out = _open(
        "Weekly mood: average and range",
        "Each week's average mood from 0 to 10, with a shaded band from the lowest to the highest "
        "day of the week; dashed lines are treatment sessions.",
        height,
        "chart-mood",
    )
    out += _axes(f, [0, 5, 10])
    band = [f"{_n(x)},{_n(f.y(w.high))}" for x, w in points]
    band += [f"{_n(x)},{_n(f.y(w.low))}" for x, w in reversed(points)]
    if len(points) > 1:
        out.append(f'<polygon points="{" ".join(band)}" fill="{MOOD}" fill-opacity="0.18"/>')
        line = " ".join(f"{_n(x)},{_n(f.y(w.mean))}" for x, w in points)
        out.append(f'<polyline points="{line}" fill="none" stroke="{MOOD}" stroke-width="2.5"/>')
    for x, w in points:
        out.append(
            f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{_n(f.y(w.low))}" y2="{_n(f.y(w.high))}" '
            f'stroke="{MOOD}" stroke-opacity="0.5" stroke-width="6"/>'
        )
        out.append(f'<circle cx="{_n(x)}" cy="{_n(f.y(w.mean))}" r="3.5" fill="{MOOD}"/>')
    out += _sessions(f, sessions)
    out.append("</svg>")
    return "".join(out)


def scores(
    name: str,
    points: list[tuple[dt.date, int]],
    bands: tuple[tuple[int, int, str], ...],
    max_total: int,
    sessions: list[dt.date],
    *,
    start: dt.date,
    end: dt.date,
) -> str:
    """A questionnaire's totals over the range, on its severity bands, each total written."""
    height = 170
    f = _Frame(start, end, 0, max_total, height)
    colour = PHQ9 if name == "PHQ-9" else GAD7
    key = f"chart-{name.lower().replace('-', '')}"
    out = _open(
        f"{name} scores",
        f"Each {name} total from 0 to {max_total}, on its shaded severity bands; dashed lines "
        "are treatment sessions.",
        height,
        key,
    )
    for (low, high, band_name), fill in zip(bands, BAND_FILLS, strict=False):
        top, bottom = f.y(high + 1 if high < max_total else high), f.y(low)
        out.append(
            f'<rect x="{LEFT}" y="{_n(top)}" width="{WIDTH - LEFT - RIGHT}" '
            f'height="{_n(bottom - top)}" fill="{fill}"/>'
        )
        out.append(
            f'<text x="{WIDTH - RIGHT + 6}" y="{_n((top + bottom) / 2 + 4)}" font-size="10" '
            f'fill="{TEXT}">{escape(band_name)}</text>'
        )
    out += _axes(f, [0, max_total])
    out += _sessions(f, sessions)
    xy = [(f.x(day), f.y(total), total) for day, total in points]
    if len(xy) > 1:
        line = " ".join(f"{_n(x)},{_n(y)}" for x, y, _ in xy)
        out.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for x, y, total in xy:
        out.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4" fill="{colour}"/>')
        out.append(
            f'<text x="{_n(x)}" y="{_n(y - 8)}" text-anchor="middle" font-size="11" '
            f'font-weight="bold" fill="{TEXT}">{total}</text>'
        )
    out.append("</svg>")
    return "".join(out)
