"""What a person sees, and chooses, before an import saves anything, and how their choices turn
a file's entries into days.

Several Daylio entries on one day become one check-in, because Tideline keeps one a day:
- mood: the average of the entries' moods (each mapped to 0-10), rounded to the nearest whole
  number, halves up;
- tags: every activity of the day's entries, once each, mapped as the person chose;
- note: the entries' notes in the order of their times, each after its time ("08:30: ...").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.db.models.functions import Lower

from .. import measures
from ..models import Activity, CheckIn, QuestionnaireResponse, TreatmentSession
from ..services import OWN_TAG_LIMIT, CheckInData
from .daylio import DEFAULT_MOODS, DaylioFile
from .parsed import BadLine, Entry
from .tideline import TidelineFile

TAG_MAX_LENGTH = 40
Parsed = DaylioFile | TidelineFile


@dataclass
class Choices:
    """What the person chose in the preview (or on the command line)."""

    moods: dict[str, int] = field(default_factory=dict)  # Daylio label -> 0-10
    tags: dict[str, str] = field(default_factory=dict)  # activity -> tag name; "" leaves it out
    overwrite: bool = False  # days already in Tideline: replace them (else left alone)
    skip_bad: bool = False  # the person agreed to leave the bad lines out

    def as_json(self) -> dict:
        return {
            "moods": self.moods,
            "tags": self.tags,
            "overwrite": self.overwrite,
            "skip_bad": self.skip_bad,
        }

    @classmethod
    def from_json(cls, data: dict) -> Choices:
        return cls(
            moods={k: int(v) for k, v in data.get("moods", {}).items()},
            tags=dict(data.get("tags", {})),
            overwrite=bool(data.get("overwrite")),
            skip_bad=bool(data.get("skip_bad")),
        )


@dataclass
class MoodLabel:
    label: str
    entries: int
    default: int | None  # Daylio's five standard moods have one; the person's own don't


@dataclass
class ActivityChoice:
    name: str
    entries: int
    default: str  # the tag it goes to unless the person says otherwise ("" leaves it out)
    existing: bool  # a tag of that name is already there (built in or their own)


@dataclass
class Preview:
    source: str  # "daylio" or "tideline"
    entries: int
    days: int
    first: dt.date | None
    last: dt.date | None
    several_a_day: int  # days with more than one entry
    already_here: int  # of those days, how many Tideline already has
    moods: list[MoodLabel]
    activities: list[ActivityChoice]
    bad: list[BadLine]
    tag_options: list[str]  # existing tags, built in first, to map activities to
    sessions: int = 0
    scores: int = 0
    has_safety_plan: bool = False
    notes: list[str] = field(default_factory=list)

    def default_choices(self) -> Choices:
        return Choices(
            moods={m.label: m.default for m in self.moods if m.default is not None},
            tags={a.name: a.default for a in self.activities},
        )


def day_count(parsed: Parsed) -> int:
    if isinstance(parsed, DaylioFile):
        return len(parsed.days)
    return len({d.day for d in parsed.days})


def default_mood(label: str) -> int | None:
    return DEFAULT_MOODS.get(label.strip().lower())


def _existing_tags(patient) -> list[str]:
    rows = Activity.objects.filter(Q(owner__isnull=True) | Q(owner=patient)).order_by(
        "owner_id", "position", "name"
    )
    return [a.name for a in rows]


def preview(patient, parsed: Parsed) -> Preview:
    """The preview of `parsed` for `patient`, in three queries."""
    existing = _existing_tags(patient)
    by_lower = {name.lower(): name for name in reversed(existing)}  # built-in wins
    if isinstance(parsed, DaylioFile):
        counts: dict[dt.date, int] = defaultdict(int)
        for entry in parsed.entries:
            counts[entry.day] += 1
        days = set(counts)
        activity_counts = dict(parsed.activities.most_common())
        moods = [MoodLabel(label, n, default_mood(label)) for label, n in _by_mood(parsed)]
        entries = len(parsed.entries)
        several = sum(1 for n in counts.values() if n > 1)
        notes = (
            ["Daylio's scales are not brought in: Tideline has no place for them."]
            if parsed.scales_ignored
            else []
        )
        extra: dict = {}
    else:
        days = {d.day for d in parsed.days}
        activity_counts = {name: 0 for name in parsed.tags}
        for day in parsed.days:
            for name in day.tags:
                activity_counts[name] += 1
        moods, entries, several, notes = [], len(parsed.days), 0, []
        extra = {
            "sessions": len(parsed.sessions),
            "scores": len(parsed.scores),
            "has_safety_plan": parsed.safety_plan is not None,
        }
    activities = []
    for name, n in activity_counts.items():
        known = by_lower.get(" ".join(name.split()).lower())
        default = known or (name if len(name) <= TAG_MAX_LENGTH else "")
        activities.append(ActivityChoice(name, n, default, known is not None))
    already = 0
    if days:
        # By range, then matched here: a decade of days is too many parameters for one IN.
        here = CheckIn.objects.for_patient(patient).filter(day__range=(min(days), max(days)))
        already = len(days & set(here.values_list("day", flat=True)))
    return Preview(
        source="daylio" if isinstance(parsed, DaylioFile) else "tideline",
        entries=entries,
        days=len(days),
        first=min(days, default=None),
        last=max(days, default=None),
        several_a_day=several,
        already_here=already,
        moods=moods,
        activities=activities,
        bad=parsed.bad,
        tag_options=existing,
        notes=notes,
        **extra,
    )


def _by_mood(parsed: DaylioFile) -> list[tuple[str, int]]:
    """Labels best first when they are Daylio's own, then the person's own by how often."""
    known = sorted(
        (item for item in parsed.moods.items() if default_mood(item[0]) is not None),
        key=lambda item: -(default_mood(item[0]) or 0),
    )
    own = [item for item in parsed.moods.most_common() if default_mood(item[0]) is None]
    return known + own


def problems(patient, parsed: Parsed, choices: Choices) -> list[str]:
    """Why these choices cannot be imported yet, in plain words ([] when they can). One query."""
    out = []
    if isinstance(parsed, DaylioFile):
        unmapped = [label for label in parsed.moods if label not in choices.moods]
        if unmapped:
            out.append(
                "Choose a number from 0 to 10 for each mood: "
                + ", ".join(f"“{label}”" for label in unmapped)
                + "."
            )
        if any(not 0 <= score <= 10 for score in choices.moods.values()):
            out.append("Each mood needs a number from 0 to 10.")
    if parsed.bad and not choices.skip_bad:
        out.append(
            f"{len(parsed.bad)} line{'s' if len(parsed.bad) != 1 else ''} can't be read (listed "
            "below). Tick the box to leave them out, or fix the file and choose it again."
        )
    targets = {" ".join(t.split()) for t in choices.tags.values() if t.strip()}
    long = [t for t in targets if len(t) > TAG_MAX_LENGTH]
    if long:
        out.append(
            f"A tag can be at most {TAG_MAX_LENGTH} characters: choose another tag or leave out "
            + ", ".join(f"“{t}”" for t in sorted(long))
            + "."
        )
    known = {
        name.lower()
        for name in Activity.objects.filter(Q(owner__isnull=True) | Q(owner=patient))
        .annotate(lname=Lower("name"))
        .values_list("lname", flat=True)
    }
    own_now = Activity.objects.filter(owner=patient).count()
    new = {t.lower() for t in targets} - known
    if own_now + len(new) > OWN_TAG_LIMIT:
        out.append(
            f"That would make {own_now + len(new)} tags of your own; Tideline keeps at most "
            f"{OWN_TAG_LIMIT}. Put some activities under tags you already have, or leave them out."
        )
    return out


def _daylio_day(entries: list[Entry], choices: Choices, tags: dict[str, Activity]) -> CheckInData:
    ordered = sorted(entries, key=lambda e: (e.time or dt.time.min, e.line))
    mean = Decimal(sum(choices.moods[e.mood] for e in ordered)) / len(ordered)
    mood = int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    chosen: dict[int, Activity] = {}
    for entry in ordered:
        for name in entry.activities:
            tag = tags.get(choices.tags.get(name, ""))
            if tag is not None:
                chosen.setdefault(tag.pk, tag)
    noted = [e for e in ordered if e.note]
    if len(ordered) == 1:
        note = ordered[0].note
    else:  # each note after its time, so the day still reads in order
        note = "\n\n".join(f"{e.time:%H:%M}: {e.note}" if e.time else e.note for e in noted)
    return CheckInData(mood=mood, note=note, activities=list(chosen.values()))


def planned_days(
    parsed: Parsed, choices: Choices, tags: dict[str, Activity]
) -> list[tuple[dt.date, CheckInData]]:
    """The file's days as the check-ins to write, oldest first. `tags` holds the tag for each
    target name the person chose (services.tags_for_import)."""
    if isinstance(parsed, DaylioFile):
        by_day: dict[dt.date, list[Entry]] = defaultdict(list)
        for entry in parsed.entries:
            by_day[entry.day].append(entry)
        return [(day, _daylio_day(by_day[day], choices, tags)) for day in sorted(by_day)]
    planned = []
    for own in sorted(parsed.days, key=lambda d: d.day):
        chosen = {t.pk: t for name in own.tags if (t := tags.get(choices.tags.get(name, "")))}
        data = CheckInData(
            **{m.name: own.values[m.name] for m in measures.MEASURES},
            self_harm_thoughts=own.self_harm_thoughts,
            activities=list(chosen.values()),
            **own.texts,
        )
        planned.append((own.day, data))
    return planned


def already_imported(patient, parsed: TidelineFile) -> tuple[set, set]:
    """Sessions (by start) and scores (by instrument and time) the account already has."""
    sessions = set(
        TreatmentSession.objects.for_patient(patient).values_list("started_at", flat=True)
    )
    scores = set(
        QuestionnaireResponse.objects.for_patient(patient).values_list("instrument", "submitted_at")
    )
    return sessions, scores
