"""Treatment courses: the pure rules behind a course's numbers (no database, no Django).

A course is a run of treatment sessions (an induction of about six sessions over two to four
weeks, then boosters). Everything a patient or a clinic decides at each step rests on a few
numbers, measured here from the PHQ-9 totals and the courses' first sessions:

- **Baseline**: the latest PHQ-9 in the 30 days up to and including the day of the course's
  first session (and, on that day, before the session's time). Only when there is none, the
  first score after the session, and the pages then say so in words, because a score taken
  after a first infusion is already lowered by it and makes response look smaller.
- **Response**: a total at half the baseline or lower (a drop of 50% or more).
- **Remission**: a total under 5.
- **Durability**: whether response still holds at the latest score, and a cue when scores have
  climbed for three weeks or more, by 5 points or more from the course's best.

Sources: Kroenke, Spitzer & Williams 2001 (PHQ-9, remission < 5); Rush et al. 2006, STAR*D
(response as a 50% drop from the pre-treatment baseline); Löwe et al. 2004, "Monitoring
depression treatment outcomes with the PHQ-9", Med Care 42:1194 (5 points as a clinically
meaningful change). See README, "Treatment courses".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .questionnaires import phq9_remission, phq9_response

BASELINE_WINDOW_DAYS = 30  # a score older than this no longer describes the start of treatment
RISE_MIN_DAYS = 21  # "for three weeks": a rise over a shorter time is a bad week, not a trend
RISE_MIN_POINTS = 5  # Löwe et al. 2004: 5 PHQ-9 points is a clinically meaningful change

# Grouping sessions into courses (the data migration, imports and a new session all use it):
# an induction runs its sessions days apart; a gap of more than three weeks ends it, and the
# next session starts maintenance (boosters, weeks apart). A gap of more than 90 days after
# any course means treatment stopped; the next session starts a new induction.
INDUCTION_GAP_DAYS = 21
MAINTENANCE_GAP_DAYS = 90


@dataclass(frozen=True)
class Point:
    """One PHQ-9 total: its local day and, where known, when it was submitted."""

    day: dt.date
    total: int
    at: dt.datetime | None = None


@dataclass(frozen=True)
class Span:
    """A course as the rules see it: when its first session was, and when the next course's
    first session was (scores from then on belong to the next course)."""

    first_day: dt.date
    first_at: dt.datetime | None = None
    next_day: dt.date | None = None
    next_at: dt.datetime | None = None


def _before(point: Point, day: dt.date, at: dt.datetime | None) -> bool:
    """Whether a score came before a session: an earlier day, or the same day and an earlier
    time where both have one (without times, a score on the session's day counts as before)."""
    if point.day != day:
        return point.day < day
    if point.at is not None and at is not None:
        return point.at < at
    return True


@dataclass(frozen=True)
class Baseline:
    point: Point | None
    before_treatment: bool  # False: the first score after the first session stands in

    @property
    def words(self) -> str:
        if self.point is None:
            return "No PHQ-9 yet to measure this course from."
        if self.before_treatment:
            return (
                f"Measured from the PHQ-9 of {self.point.day:%-d %B %Y} ({self.point.total}), "
                "the last one before the course's first session."
            )
        return (
            "There was no PHQ-9 in the 30 days before the course's first session, so it is "
            f"measured from the first one after it ({self.point.day:%-d %B %Y}, "
            f"{self.point.total}). That score may already be lower because of the session, "
            "so the change can look smaller than it is."
        )


def course_baseline(points: Sequence[Point], span: Span) -> Baseline:
    """The course's baseline PHQ-9 (points in time order): the latest in the 30 days up to and
    including the first session's day, before the session's time where both have times; only
    when there is none, the first one after the session (and before the next course).
    Source: Rush et al. 2006 (STAR*D) measure response from the pre-treatment score."""
    window_start = span.first_day - dt.timedelta(days=BASELINE_WINDOW_DAYS)
    before = [
        p for p in points if p.day >= window_start and _before(p, span.first_day, span.first_at)
    ]
    if before:
        return Baseline(before[-1], before_treatment=True)
    after = [p for p in points if _in_course(p, span)]
    return Baseline(after[0] if after else None, before_treatment=False)


def _in_course(point: Point, span: Span) -> bool:
    """A score taken from the course's first session until the next course's first session."""
    if _before(point, span.first_day, span.first_at):
        return False
    return span.next_day is None or _before(point, span.next_day, span.next_at)


@dataclass(frozen=True)
class Outcome:
    """A course's numbers. Dates are the first score that reached each."""

    baseline: Baseline
    latest: Point | None = None
    best: Point | None = None
    response_on: dt.date | None = None
    remission_on: dt.date | None = None
    response_holds: bool = False  # at the latest score
    remission_holds: bool = False
    rising_weeks: int = 0  # > 0: the durability cue is on

    @property
    def change_percent(self) -> int | None:
        """Change from baseline to the latest score, in percent (negative is better)."""
        base = self.baseline.point
        if base is None or self.latest is None or not base.total:
            return None
        return round((self.latest.total - base.total) * 100 / base.total)

    @property
    def change_points(self) -> int | None:
        base = self.baseline.point
        if base is None or self.latest is None:
            return None
        return self.latest.total - base.total

    @property
    def cue_for_patient(self) -> str | None:
        if not self.rising_weeks:
            return None
        return (
            f"Your PHQ-9 scores have risen for {self.rising_weeks} weeks, back toward where "
            "they were when this course began. It may be worth talking to your team about "
            "timing."
        )

    @property
    def cue_for_team(self) -> str | None:
        if not self.rising_weeks:
            return None
        held = "response still holds" if self.response_holds else "response no longer holds"
        return (
            f"PHQ-9 has risen for {self.rising_weeks} weeks toward the course baseline "
            f"({held}); worth a conversation about timing."
        )


def _rising_weeks(after_best: Sequence[Point], best: Point) -> int:
    """Whole weeks scores have risen since the course's best: every score since the best at
    least the one before it, the latest 5 or more points above the best (Löwe et al. 2004)
    and 21 or more days after it. 0 when there is no such rise."""
    if not after_best:
        return 0
    latest = after_best[-1]
    if latest.total - best.total < RISE_MIN_POINTS:
        return 0
    previous = best.total
    for p in after_best:
        if p.total < previous:
            return 0
        previous = p.total
    days = (latest.day - best.day).days
    return days // 7 if days >= RISE_MIN_DAYS else 0


def course_outcome(points: Sequence[Point], span: Span) -> Outcome:
    """The course's baseline, latest and best scores, the first days of response (a drop of
    50% or more from baseline) and remission (under 5), whether each still holds at the latest
    score, and the durability cue. Scores count from the course's first session until the
    next course's first session; the stand-in baseline (a score after the session) does not
    count as a result of its own."""
    baseline = course_baseline(points, span)
    if baseline.point is None:
        return Outcome(baseline)
    base = baseline.point.total
    during = [p for p in points if _in_course(p, span) and p is not baseline.point]
    if not during:
        return Outcome(baseline)
    latest = during[-1]
    response_on = next((p.day for p in during if phq9_response(baseline=base, total=p.total)), None)
    remission_on = next((p.day for p in during if phq9_remission(p.total)), None)
    best = min(during, key=lambda p: p.total)  # the earliest of equal bests
    after_best = during[during.index(best) + 1 :]
    # Durability is about keeping a response: before one, a rise is a course not yet working.
    rising = _rising_weeks(after_best, best) if response_on is not None else 0
    return Outcome(
        baseline,
        latest=latest,
        best=best,
        response_on=response_on,
        remission_on=remission_on,
        response_holds=phq9_response(baseline=base, total=latest.total),
        remission_holds=phq9_remission(latest.total),
        rising_weeks=rising,
    )


def spans_from_first_sessions(firsts: Sequence[tuple[dt.date, dt.datetime | None]]) -> list[Span]:
    """Spans from each course's first session (day, time), in time order."""
    spans = []
    for i, (day, at) in enumerate(firsts):
        following = firsts[i + 1] if i + 1 < len(firsts) else (None, None)
        spans.append(Span(day, at, following[0], following[1]))
    return spans


def point_outcomes(points: Sequence[Point], spans: Sequence[Span]) -> list[tuple[bool, bool]]:
    """For each PHQ-9 (in time order): (response, remission), response measured from the
    baseline of the course the score falls in. Before any course (or with no course at all)
    it is measured from the first score, as a patient's own starting point; a course's
    baseline itself is never a response."""
    baselines = [course_baseline(points, s) for s in spans]
    out = []
    for p in points:
        course = next(
            (
                i
                for i in range(len(spans) - 1, -1, -1)
                if not _before(p, spans[i].first_day, spans[i].first_at)
            ),
            None,
        )
        # Before any course, a patient's own starting point: their first score.
        base_point = points[0] if course is None else baselines[course].point
        response = (
            base_point is not None
            and p is not base_point
            and phq9_response(baseline=base_point.total, total=p.total)
        )
        out.append((response, phq9_remission(p.total)))
    return out


def next_course_kind(previous_kind: str | None, gap_days: int | None) -> str:
    """The kind of a course a session starts: an induction first, or after a gap of more than
    90 days; otherwise maintenance (boosters)."""
    if previous_kind is None or gap_days is None or gap_days > MAINTENANCE_GAP_DAYS:
        return "induction"
    return "maintenance"


def join_gap_days(kind: str) -> int:
    """How long after a course's last session a new session still joins it."""
    return INDUCTION_GAP_DAYS if kind == "induction" else MAINTENANCE_GAP_DAYS


def group_sessions(days: Sequence[dt.date]) -> list[tuple[str, list[int]]]:
    """Sessions (their days, in time order) grouped into courses: (kind, indices) each. The
    rule the data migration and a patient's new sessions share: a session joins the course
    before it unless the gap since that course's last session is longer than the course
    kind allows (21 days for an induction, 90 for maintenance)."""
    courses: list[tuple[str, list[int]]] = []
    for i, day in enumerate(days):
        if courses:
            kind, members = courses[-1]
            gap = (day - days[members[-1]]).days
            if gap <= join_gap_days(kind):
                members.append(i)
                continue
            courses.append((next_course_kind(kind, gap), [i]))
        else:
            courses.append((next_course_kind(None, None), [i]))
    return courses
