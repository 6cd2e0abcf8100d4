"""Reading Tideline's own downloads back: the check-ins CSV, or the full ZIP (check-ins with
their tags, sessions, questionnaires with each answer, own tags, safety plan). Pure: bytes in,
records and bad lines out. Columns are matched by name and each value is checked against the
same ranges the app keeps (the measures registry), so a hand-edited file cannot slip a mood of
11 past the import.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .. import measures
from ..models import SafetyPlan, TreatmentSession
from ..questionnaires import SPECS
from ..tabular import uncell
from .parsed import BadLine, FileProblem, Refused, as_record, decode, read_records

CHECKINS = "checkins.csv"
TAG_SEPARATOR = ";"
TEXT_FIELDS = ("note", "integration_shifted", "integration_carry_forward")


@dataclass
class OwnDay:
    line: int
    day: dt.date
    values: dict[str, Any]  # every measure by name, as CheckInData takes them
    self_harm_thoughts: bool | None
    texts: dict[str, str]  # note and the integration reflections
    tags: list[str]


@dataclass
class OwnSession:
    line: int
    started_at: dt.datetime  # aware
    kind: str
    dose: str
    provider: str
    intention: str
    insights: str


@dataclass
class OwnScore:
    line: int
    day: dt.date
    submitted_at: dt.datetime  # aware
    instrument: str
    answers: list[int]


@dataclass
class TidelineFile:
    days: list[OwnDay] = field(default_factory=list)
    sessions: list[OwnSession] = field(default_factory=list)
    scores: list[OwnScore] = field(default_factory=list)
    own_tags: list[str] = field(default_factory=list)
    safety_plan: dict[str, str] | None = None
    bad: list[BadLine] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def tags(self) -> list[str]:
        """Every tag name the file uses, in first-seen order."""
        names = dict.fromkeys(self.own_tags)
        for day in self.days:
            names.update(dict.fromkeys(day.tags))
        return list(names)


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def looks_like_tideline(header: list[str]) -> bool:
    return {"day", "mood", "activities"} <= set(header)


def parse(data: bytes, *, today: dt.date) -> TidelineFile:
    if not is_zip(data):
        result = TidelineFile(files=[CHECKINS])
        _checkins(decode(data), result, today, file="")
        return result
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise FileProblem("This ZIP file is damaged and can't be opened.") from None
    if CHECKINS not in names:
        raise FileProblem(
            "This ZIP has no checkins.csv, so it isn't a Tideline download. Choose the ZIP "
            "you downloaded from Tideline, or a Daylio CSV file."
        )
    result = TidelineFile()
    readers = {
        CHECKINS: _checkins,
        "sessions.csv": _sessions,
        "questionnaires.csv": _scores,
        "own_tags.csv": _own_tags,
        "safety_plan.csv": _safety_plan,
    }
    for name, read in readers.items():
        if name in names:
            result.files.append(name)
            read(decode(_member(archive, name)), result, today, file=name)
    return result


# A ZIP of a lifetime of check-ins is a few MB; anything far bigger is not ours.
_MEMBER_LIMIT = 64 * 1024 * 1024


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    if archive.getinfo(name).file_size > _MEMBER_LIMIT:
        raise FileProblem(f"{name} in this ZIP is far larger than any Tideline download.")
    return archive.read(name)


def _checkins(text: str, result: TidelineFile, today: dt.date, *, file: str) -> None:
    header, rows = read_records(text, result.bad, file)
    if not looks_like_tideline(header):
        raise FileProblem(
            "This doesn't look like a Tideline check-ins file: its first line should name the "
            "columns (day, mood, ..., activities)."
        )
    seen: dict[dt.date, int] = {}
    for line, row in rows:
        record = as_record(row, header, line, result.bad, file)
        if record is None:
            continue
        try:
            day = dt.date.fromisoformat(record["day"].strip())
            if day in seen:
                raise Refused(f"its day is on line {seen[day]} already")
            if day > today:
                raise Refused(f"its day, {day:%-d %B %Y}, hasn't happened yet")
            values = {m.name: _measure(m, record.get(m.name, "")) for m in measures.MEASURES}
            harm = _yes_no(record.get("self_harm_thoughts", ""))
        except ValueError as problem:
            result.bad.append(BadLine(line, _reason(problem, "its day can't be read"), file))
            continue
        seen[day] = line
        tags = [
            name
            for part in uncell(record["activities"]).split(TAG_SEPARATOR)
            if (name := " ".join(part.split()))
        ]
        result.days.append(
            OwnDay(
                line=line,
                day=day,
                values=values,
                self_harm_thoughts=harm,
                texts={name: uncell(record.get(name, "")) for name in TEXT_FIELDS},
                tags=tags,
            )
        )


def _reason(problem: Exception, fallback: str) -> str:
    """Our own words for a value we refused; the fallback for what Python could not parse."""
    return str(problem) if isinstance(problem, Refused) else fallback


def _measure(m: measures.Measure, raw: str) -> Any:
    raw = raw.strip()
    if not raw:
        if m.required:
            raise Refused(f"the {m.label.lower()} is missing")
        return "" if m.kind is measures.Kind.CHOICE else None
    if m.kind is measures.Kind.CHOICE:
        if raw not in {value for value, _ in m.choices}:
            raise Refused(f"the {m.label.lower()} “{raw}” isn't one of the answers")
        return raw
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise Refused(f"the {m.label.lower()} “{raw}” isn't a number") from None
    if not m.low <= number <= m.high:
        raise Refused(f"the {m.label.lower()} {raw} is outside {m.low:g} to {m.high:g}")
    if m.kind is measures.Kind.HOURS:
        if number != number.quantize(Decimal("0.1")):
            raise Refused(f"the {m.label.lower()} {raw} has more than one decimal")
        return number.quantize(Decimal("0.1"))
    if number != number.to_integral_value():
        raise Refused(f"the {m.label.lower()} {raw} isn't a whole number")
    return int(number)


def _yes_no(raw: str) -> bool | None:
    raw = raw.strip().lower()
    if raw in ("", "none"):
        return None
    if raw in ("yes", "no"):
        return raw == "yes"
    raise Refused(f"the self-harm answer “{raw}” isn't yes, no or empty")


def _moment(raw: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(raw.strip())
    if moment.tzinfo is None:
        raise Refused("the time has no offset from UTC")
    return moment


def _sessions(text: str, result: TidelineFile, today: dt.date, *, file: str) -> None:
    header, rows = read_records(text, result.bad, file)
    kinds = set(TreatmentSession.Kind.values)
    for line, row in rows:
        record = as_record(row, header, line, result.bad, file)
        if record is None:
            continue
        try:
            started_at = _moment(record["started_at"])
            kind = record["kind"].strip()
            if kind not in kinds:
                raise Refused(f"the kind “{kind}” isn't one Tideline knows")
        except (KeyError, ValueError) as problem:
            result.bad.append(BadLine(line, _reason(problem, "its time can't be read"), file))
            continue
        result.sessions.append(
            OwnSession(
                line=line,
                started_at=started_at,
                kind=kind,
                **{k: uncell(record.get(k, "")) for k in ("dose", "provider", "intention")},
                insights=uncell(record.get("insights", "")),
            )
        )


def _scores(text: str, result: TidelineFile, today: dt.date, *, file: str) -> None:
    header, rows = read_records(text, result.bad, file)
    for line, row in rows:
        record = as_record(row, header, line, result.bad, file)
        if record is None:
            continue
        instrument = record.get("instrument", "").strip()
        spec = SPECS.get(instrument)
        try:
            if spec is None:
                raise Refused(f"the questionnaire “{instrument}” isn't PHQ-9 or GAD-7")
            answers = [
                int(record.get(f"item_{n}", "").strip()) for n in range(1, len(spec.items) + 1)
            ]
            if any(not 0 <= a <= 3 for a in answers):
                raise Refused("an answer is outside 0 to 3")
            day = dt.date.fromisoformat(record["day"].strip())
            submitted_at = _moment(record["submitted_at"])
        except (KeyError, ValueError) as problem:
            result.bad.append(BadLine(line, _reason(problem, "an answer can't be read"), file))
            continue
        result.scores.append(OwnScore(line, day, submitted_at, instrument, answers))


def _own_tags(text: str, result: TidelineFile, today: dt.date, *, file: str) -> None:
    header, rows = read_records(text, result.bad, file)
    for line, row in rows:
        record = as_record(row, header, line, result.bad, file)
        if record is not None and (name := " ".join(uncell(record.get("name", "")).split())):
            result.own_tags.append(name)


def _safety_plan(text: str, result: TidelineFile, today: dt.date, *, file: str) -> None:
    header, rows = read_records(text, result.bad, file)
    for line, row in rows:
        record = as_record(row, header, line, result.bad, file)
        if record is not None:
            result.safety_plan = {s: uncell(record.get(s, "")) for s in SafetyPlan.SECTIONS}
