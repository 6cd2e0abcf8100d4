"""A patient's data as tables: what the full CSV download (one file per table, and a README
naming each column) is made of. The journal describes its own tables (journal/export_zip.py);
the care-team app describes the shares and the access log through the journal's port
(`journal.care.CareTeams.export_tables`), so each app names the columns it owns.

Also the one rule for writing a cell, which the import reads back (`uncell`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str  # one line for README.txt: what the column holds, in plain words


@dataclass
class Table:
    """One CSV file of the download: `<name>.csv`, with a header row of the column names."""

    name: str
    about: str  # one line for README.txt: what one row is
    columns: tuple[Column, ...]
    rows: list[Sequence[Any]] = field(default_factory=list)

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]


# A spreadsheet runs a cell that starts with one of these as a formula: a note reading
# "=HYPERLINK(...)" must stay text (OWASP "CSV injection"). A cell that starts with the
# apostrophe itself gets one too, so reading a file back (`uncell`) only ever removes one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def cell(value: Any) -> str:
    """A value as a CSV cell: empty for none, yes/no, ISO dates and times, plain numbers, and
    text that cannot run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def uncell(text: str) -> str:
    """A text cell as it was before `cell` made it formula-safe."""
    return text[1:] if text.startswith("'") else text
