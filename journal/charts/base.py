"""What every chart is made of: a figure, a data table beside it for screen readers and for
people who would rather read numbers, and the small helpers the figure builders share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import SafeString, mark_safe

from .. import measures
from .plot import Figure, figure_script

BAND_FILLS = (
    "rgba(46, 160, 67, 0.12)",
    "rgba(210, 200, 40, 0.14)",
    "rgba(240, 150, 30, 0.14)",
    "rgba(220, 90, 40, 0.14)",
    "rgba(200, 40, 40, 0.14)",
)
DASH = "\u2013"  # an en dash: "no value" in tables, and ranges like "0 to 4"
# Each measure's colour is the registry's (journal.measures), the same on every chart.
MOOD = measures.BY_NAME["mood"].colour
ENERGY = measures.BY_NAME["energy"].colour
SLEEP = measures.BY_NAME["sleep_hours"].colour
PHQ9 = "#c0392b"
GAD7 = "#1f5f8b"


@dataclass
class Chart:
    key: str
    title: str
    description: str
    figure: Figure | None  # built by .plot (plotly.graph_objects), or None: nothing to draw
    caption: str
    headers: Sequence[str]
    rows: Sequence[Sequence]
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
            figure_script=figure_script(self.figure, self.data_id) if self.figure else "",
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


def _iso(day: dt.date) -> str:
    return day.isoformat()


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
