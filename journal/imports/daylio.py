"""Reading Daylio's "Export entries (CSV)". Pure: bytes in, entries and bad lines out.

Columns are matched by their header name, never their position, because the export changed
over the years:
- today: `full_date,date,weekday,time,mood,activities,note_title,note`;
- older exports have no `note_title`; newer ones add `scales` (not imported: Tideline has no
  place for another app's own scales);
- the 2018 form has `year` and a `date` like "May 14" instead of `full_date`.
The file is UTF-8 with or without a byte-order mark, with LF or CRLF line ends. `full_date` is
ISO (2024-05-14); `time` is the local wall clock in 12-hour ("8:30 PM", "10:00 pm") or 24-hour
("18:45") form; activities are joined by " | "; notes may hold HTML or raw new lines (inside
quotes). Entries come newest first, several a day. Moods are Daylio's five defaults (rad, good,
meh, bad, awful) or the person's own renamed or added labels: the preview maps each to 0-10.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from .parsed import BadLine, Entry, FileProblem, as_record, decode, html_to_text, read_records

# Daylio's five default moods, best first, and where they sit on our 0-10 scale: evenly
# spaced around the middle, so "meh" is 5 and neither end claims a perfect 0 or 10.
DEFAULT_MOODS = {"rad": 9, "good": 7, "meh": 5, "bad": 3, "awful": 1}
ACTIVITY_SEPARATOR = "|"

_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})\s*(?:([ap])\.?\s*m\.?)?$", re.IGNORECASE)
_OLD_DATE_FORMATS = ("%B %d", "%d %B", "%b %d", "%d %b", "%B %d.", "%d. %B")


@dataclass
class DaylioFile:
    entries: list[Entry]
    bad: list[BadLine]
    columns: list[str]
    moods: Counter = field(default_factory=Counter)  # label -> entries
    activities: Counter = field(default_factory=Counter)  # name -> entries
    scales_ignored: bool = False

    @property
    def days(self) -> set[dt.date]:
        return {e.day for e in self.entries}


def looks_like_daylio(header: list[str]) -> bool:
    names = {h.strip().lower() for h in header}
    return "mood" in names and ("full_date" in names or {"year", "date"} <= names)


def parse_time(value: str) -> dt.time | None:
    """'8:30 PM', '10:00 pm', '8:30 p.m.', '18:45' -> a time; '' -> None; ValueError else."""
    value = value.strip()
    if not value:
        return None
    match = _TIME.match(value)
    if not match:
        raise ValueError(value)
    hour, minute, half = int(match[1]), int(match[2]), (match[3] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(value)
        hour = hour % 12 + (12 if half == "p" else 0)
    return dt.time(hour, minute)  # ValueError past 23:59


def _parse_day(record: dict[str, str]) -> dt.date:
    if "full_date" in record:
        return dt.date.fromisoformat(record["full_date"].strip())
    year = int(record["year"].strip())
    text = " ".join(record["date"].split())
    for fmt in _OLD_DATE_FORMATS:
        try:
            # The year goes in with the day, so 29 February parses in a leap year.
            return dt.datetime.strptime(f"{year} {text}", f"%Y {fmt}").date()  # noqa: DTZ007 - a calendar date, no clock
        except ValueError:
            continue
    raise ValueError(text)


def parse(data: bytes, *, today: dt.date) -> DaylioFile:
    """Every entry of the file, and each line that cannot be one with its reason. A file that is
    not a Daylio export at all raises FileProblem."""
    bad: list[BadLine] = []
    columns, rows = read_records(decode(data), bad)
    if not looks_like_daylio(columns):
        raise FileProblem(
            "This doesn't look like a Daylio export: its first line should name the columns "
            "(full_date, date, weekday, time, mood, activities, note). In Daylio, choose "
            "More, then Export entries, then CSV."
        )
    result = DaylioFile(entries=[], bad=bad, columns=columns, scales_ignored="scales" in columns)
    for line, row in rows:
        entry = _entry(row, columns, line, today, bad)
        if entry is not None:
            result.entries.append(entry)
            result.moods[entry.mood] += 1
            result.activities.update(entry.activities)
    return result


def _entry(
    row: list[str], columns: list[str], line: int, today: dt.date, bad: list[BadLine]
) -> Entry | None:
    record = as_record(row, columns, line, bad)
    if record is None:
        return None
    try:
        day = _parse_day(record)
    except ValueError:
        bad.append(BadLine(line, "its date can't be read"))
        return None
    if day > today:
        bad.append(BadLine(line, f"its date, {day:%-d %B %Y}, hasn't happened yet"))
        return None
    try:
        time = parse_time(record.get("time", ""))
    except ValueError:
        bad.append(BadLine(line, f"its time, “{record['time'].strip()}”, can't be read"))
        return None
    mood = " ".join(record["mood"].split())
    if not mood:
        bad.append(BadLine(line, "it has no mood"))
        return None
    activities = [
        name
        for part in record.get("activities", "").split(ACTIVITY_SEPARATOR)
        if (name := " ".join(part.split()))
    ]
    title = html_to_text(record.get("note_title", ""))
    note = html_to_text(record.get("note", ""))
    return Entry(
        line=line,
        day=day,
        time=time,
        mood=mood,
        activities=list(dict.fromkeys(activities)),
        note="\n".join(part for part in (title, note) if part),
    )
