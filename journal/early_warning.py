"""The early-warning rule: a pure function over a patient's own series (no database, no clock).

The clinical idea (shared/DESIGN.md, "Early warning"): a bad day or two is normal and says
nothing; a slide that lasts weeks and reaches several areas of life is a reason to act, and so is a
clear rise in PHQ-9. Everything is measured against the patient's *own* usual, never a population
norm, because a 5/10 mood is a good day for one person and a bad one for another.

- Baseline: the patient's median of each measure over the 28 days before the 14-day window.
- Bad days (no signal): a dip shorter than the window. Mood must be clearly low (2+ points under
  the usual) on at least 8 days of the window, so a dip of 1-7 days can never signal on its own.
- Sustained slide: over the last 14 days, at least 8 days logged, mean mood at least 2 points
  under baseline, and at least two other areas also worse than their baseline (the measures
  `journal.measures` marks as warning areas: energy, interest, self-worth, connection, sleep
  hours lower; anxiety, irritability higher; appetite changed).
- Questionnaire: PHQ-9 up 5 or more points on the previous one (a clinically meaningful change,
  Löwe et al. 2004), or a total of 15 and over ("moderately severe", Kroenke, Spitzer & Williams
  2001).

Urgent signals (PHQ-9 item 9, a check-in reporting thoughts of self-harm) are raised by the
journal at the moment of saving, not here: they must not wait for a task.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, make_dataclass
from statistics import median
from typing import Any

from . import measures

WINDOW_DAYS = 14
BASELINE_DAYS = 28
MIN_DAYS_LOGGED = 8  # of the 14 in the window
MIN_LOW_DAYS = 8  # days in the window with mood clearly under the usual: "sustained", not a dip
MOOD_DROP = 2.0  # points on the 0-10 scale
MIN_BASELINE_DAYS = 10  # fewer than this and we do not know the patient's usual yet
MIN_OTHER_AREAS = 2
PHQ9_RISE = 5
PHQ9_HIGH = 15

# Kind values match journal.models.Signal.Kind (kept as strings: this module reads no models).
KIND_SLIDE = "sustained_slide"
KIND_PHQ9_RISE = "phq9_rise"
KIND_PHQ9_HIGH = "phq9_high"
KINDS = (KIND_SLIDE, KIND_PHQ9_RISE, KIND_PHQ9_HIGH)


@dataclass(frozen=True)
class Area:
    field: str
    words: str  # how a person would name it in a sentence
    lower_is_worse: bool
    threshold: float  # how far the window's mean must move from the usual to count as worse


# The numeric areas, from the registry, in its order; a choice (appetite) counts when it changes.
AREAS = tuple(
    Area(m.name, m.warning_words, m.lower_is_worse, m.warning_threshold)
    for m in measures.WARNING_AREAS
    if m.is_numeric and m.warning_words
)
CHOICE_AREAS = tuple(m for m in measures.WARNING_AREAS if not m.is_numeric)
MIN_AREA_DAYS = 4  # values needed on each side before an area can count

# One check-in, reduced to what the rule reads: its day, mood and each warning area (numbers,
# or "" / a choice's value). `Day(day=..., mood=5, energy=4, appetite="less")`.
Day: Any = make_dataclass(
    "Day",
    [
        ("day", dt.date),
        ("mood", int),
        *(
            (m.name, float | None, None) if m.is_numeric else (m.name, str, "")
            for m in measures.WARNING_AREAS
        ),
    ],
    frozen=True,
)


@dataclass(frozen=True)
class Score:
    """One completed questionnaire."""

    id: int
    instrument: str  # "phq9" | "gad7"
    total: int
    day: dt.date
    submitted_at: dt.datetime | None = None


@dataclass(frozen=True)
class Finding:
    kind: str
    dedupe_key: str
    started_on: dt.date
    # The facts behind it (counts, scores, the areas that moved): `journal.warning_words` makes
    # the patient's and the care team's words from them.
    details: dict


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _values(days: Iterable[Any], field: str) -> list[float]:
    return [float(v) for d in days if (v := getattr(d, field)) is not None]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _choice_changed(area: measures.Measure, baseline: list, window: list) -> bool:
    """More than half of the window's answered days report something other than usual (eating
    less or more), and that share is at least half a window above the baseline's."""
    base = [value for d in baseline if (value := getattr(d, area.name))]
    recent = [value for d in window if (value := getattr(d, area.name))]
    if len(base) < MIN_AREA_DAYS or len(recent) < MIN_AREA_DAYS:
        return False
    usual = area.usual
    share_recent = sum(a != usual for a in recent) / len(recent)
    share_base = sum(a != usual for a in base) / len(base)
    return share_recent > 0.5 and share_recent - share_base >= 0.5


def slide_finding(series: Sequence[Any], today: dt.date) -> Finding | None:
    window_start = today - dt.timedelta(days=WINDOW_DAYS - 1)
    baseline_start = window_start - dt.timedelta(days=BASELINE_DAYS)
    window = sorted((d for d in series if window_start <= d.day <= today), key=lambda d: d.day)
    baseline = [d for d in series if baseline_start <= d.day < window_start]
    if len(window) < MIN_DAYS_LOGGED or len(baseline) < MIN_BASELINE_DAYS:
        return None

    usual_mood = median(d.mood for d in baseline)
    window_mood = [float(d.mood) for d in window]
    if _mean(window_mood) > usual_mood - MOOD_DROP:
        return None
    low_days = [d for d in window if d.mood <= usual_mood - MOOD_DROP]
    if len(low_days) < MIN_LOW_DAYS:
        return None  # a dip, however deep, that did not last: bad days happen

    worse: list[str] = []  # the measures' names, in the registry's order
    for area in AREAS:
        base_values, recent_values = _values(baseline, area.field), _values(window, area.field)
        if len(base_values) < MIN_AREA_DAYS or len(recent_values) < MIN_AREA_DAYS:
            continue
        change = _mean(recent_values) - median(base_values)
        if (-change if area.lower_is_worse else change) >= area.threshold:
            worse.append(area.field)
    worse.extend(c.name for c in CHOICE_AREAS if _choice_changed(c, baseline, window))
    if len(worse) < MIN_OTHER_AREAS:
        return None

    lower_than_usual = sum(d.mood < usual_mood for d in window)
    started_on = low_days[0].day
    return Finding(
        kind=KIND_SLIDE,
        # The week the slide began: re-running tomorrow finds the same slide, not a new one.
        dedupe_key=f"slide:{monday(started_on).isoformat()}",
        started_on=started_on,
        details={
            "low_days": lower_than_usual,
            "areas": worse,
            "usual": float(usual_mood),
            "mean": round(_mean(window_mood), 1),
        },
    )


def questionnaire_findings(questionnaires: Sequence[Score]) -> list[Finding]:
    """Only the latest PHQ-9 speaks for now; older rises were the past's news."""
    phq9 = sorted(
        (q for q in questionnaires if q.instrument == "phq9"),
        key=lambda q: (q.day, q.submitted_at or dt.datetime.min.replace(tzinfo=dt.UTC), q.id),
    )
    if not phq9:
        return []
    latest = phq9[-1]
    findings = []
    if len(phq9) >= 2 and latest.total - phq9[-2].total >= PHQ9_RISE:
        previous = phq9[-2]
        findings.append(
            Finding(
                kind=KIND_PHQ9_RISE,
                dedupe_key=f"q:{latest.id}",
                started_on=latest.day,
                details={"previous": previous.total, "total": latest.total},
            )
        )
    if latest.total >= PHQ9_HIGH:
        findings.append(
            Finding(
                kind=KIND_PHQ9_HIGH,
                dedupe_key=f"q:{latest.id}",
                started_on=latest.day,
                details={"total": latest.total},
            )
        )
    return findings


def evaluate(
    series: Sequence[Any], questionnaires: Sequence[Score], today: dt.date
) -> list[Finding]:
    """Every early warning that holds for the patient on `today` (their local date)."""
    findings = []
    slide = slide_finding(series, today)
    if slide is not None:
        findings.append(slide)
    findings.extend(questionnaire_findings(questionnaires))
    return findings
