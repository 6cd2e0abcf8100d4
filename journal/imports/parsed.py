"""What reading a file gives, whatever the file: entries, lines that could not be read and why,
or a problem with the whole file."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field


class FileProblem(Exception):
    """The file as a whole cannot be read; the message says why, in plain words."""


class Refused(ValueError):
    """A value that was read but is not allowed; the message says why, in plain words."""


@dataclass(frozen=True)
class BadLine:
    line: int  # the line of the file the record starts on, counting the header as line 1
    reason: str
    file: str = ""  # inside a ZIP, which of its files

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.file else f"line {self.line}"
        return f"{where}: {self.reason}"


@dataclass
class Entry:
    """One mood entry of another app (Daylio): several may share a day."""

    line: int
    day: dt.date
    time: dt.time | None
    mood: str  # the app's own label, as written
    activities: list[str] = field(default_factory=list)
    note: str = ""


def decode(data: bytes) -> str:
    """UTF-8 text, with or without a byte-order mark; LF or CRLF line ends are both fine."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(
            "This file isn't plain UTF-8 text, so it can't be read. Export it again from the "
            "app, as CSV, and choose the new file."
        ) from None


_BREAKS = re.compile(r"<\s*(br\s*/?|/p|/div|/li)\s*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")


def html_to_text(value: str) -> str:
    """A note that may hold HTML (Daylio writes `<br>` for new lines, `<b>` for bold) as the
    plain text it shows: line breaks kept, other tags dropped, entities (&amp;) read."""
    text = _BREAKS.sub("\n", value.replace("\r\n", "\n").replace("\r", "\n"))
    text = html.unescape(_TAGS.sub("", text))
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def read_records(text: str, bad: list[BadLine], file: str = "") -> tuple[list[str], Iterator]:
    """The header (names stripped and in lower case) and an iterator of (line, fields) for each
    record that is not blank, `line` being where the record starts: a quoted note may run over
    several lines. A record the CSV reader cannot read ends the file, as a bad line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise FileProblem("This file is empty.") from None
    except csv.Error as error:
        raise FileProblem(f"This file can't be read as CSV ({error}).") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        line = reader.line_num
        while True:
            start = line + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                bad.append(BadLine(start, f"can't be read as CSV ({error})", file))
                return
            line = reader.line_num
            if any(cell.strip() for cell in row):
                yield start, row

    return header, rows()


def as_record(
    row: list[str], header: list[str], line: int, bad: list[BadLine], file: str = ""
) -> dict[str, str] | None:
    """The fields by column name, or None (and a bad line) when the count is off."""
    if len(row) < len(header) or any(cell.strip() for cell in row[len(header) :]):
        bad.append(
            BadLine(
                line,
                f"has {len(row)} fields where the header has {len(header)} "
                "(a comma or a quote out of place?)",
                file,
            )
        )
        return None
    return dict(zip(header, row, strict=False))
