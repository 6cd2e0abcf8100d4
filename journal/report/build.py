"""What an appointment report says, read from the journal for one range of days, in a fixed
number of queries (six), whatever the range or the length of history.

Everything here is within the trends scope (check-in numbers, tags, scores, the dates and
kinds of sessions, warning signs), plus the words the patient wrote for the appointment, so a
care team that sees the patient's trends can be shown the same report. Daily notes and session
intentions and insights are never in it.

`SECTIONS` is the one list of extra parts a report grows (medications and their changes,
after-effects): each is a function of the patient and the range that returns a `Section` or
None, drawn by the same template.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q

from ..charts.figures import WHAT_HELPS_MIN_DAYS
from ..courses import Point, Span, course_baseline, spans_from_first_sessions
from ..models import CheckIn, CheckInActivity, QuestionnaireResponse, Signal, TreatmentSession
from ..questionnaires import GAD7, PHQ9, Spec, band, band_ranges, phq9_remission, phq9_response
from ..warning_words import Words
from ..weekly import week_start
from . import svg

MAX_DAYS = 366  # a year at most: a report is for one appointment, and fits on two pages
DEFAULT_DAYS = 30
# On paper, so the report stays within two pages whatever the range: the latest rows of each
# list (the charts still show all of the range).
MAX_SCORES = 8
MAX_SESSIONS = 8
MAX_SIGNALS = 4
MAX_HELPS = 5


@dataclass(frozen=True)
class ReportSignal:
    """A warning sign in the range, in the patient's words (journal.warning_words)."""

    started_on: dt.date
    settled: bool
    words: Words


@dataclass
class Week:
    start: dt.date
    days: int
    mean: float
    low: int
    high: int


@dataclass
class Score:
    day: dt.date
    instrument: str
    name: str
    total: int
    band: str
    at: dt.datetime | None = None


@dataclass
class Helps:
    name: str
    days_with: int
    mean_with: float
    days_without: int
    mean_without: float

    @property
    def difference(self) -> float:
        return self.mean_with - self.mean_without


@dataclass
class Section:
    """An extra part of the report (SECTIONS): a heading, a line or two, and a table."""

    title: str
    lines: list[str] = field(default_factory=list)
    headers: tuple[str, ...] = ()
    rows: list[tuple] = field(default_factory=list)


@dataclass
class Outcome:
    """PHQ-9 against its baseline: the score before treatment the course is measured from."""

    baseline: Score | None
    latest: Score | None
    response: bool = False
    remission: bool = False
    # Said in words when the baseline is the first score after the course began.
    baseline_words: str = ""

    @property
    def change_percent(self) -> int | None:
        if not self.baseline or not self.latest or not self.baseline.total:
            return None
        return round(100 * (self.latest.total - self.baseline.total) / self.baseline.total)


@dataclass
class Report:
    start: dt.date
    end: dt.date
    days_in_range: int
    days_logged: int
    mood_mean: float | None
    mood_low: int | None
    mood_high: int | None
    sleep_mean: float | None
    weeks: list[Week]
    scores: list[Score]  # in the range, newest first
    scores_left_out: int
    outcome: Outcome
    gad7_latest: Score | None
    sessions: list[tuple[dt.date, str, str]]  # (day, kind, dose) in the range, newest first
    sessions_left_out: int
    signals: list[ReportSignal]
    signals_left_out: int
    helps: list[Helps]
    sections: list[Section]
    mood_chart: str  # inline SVG, escaped
    phq9_chart: str
    gad7_chart: str


def default_range(patient, last_end: dt.date | None) -> tuple[dt.date, dt.date]:
    """Since the day after the last report, or the last 30 days; always ending today."""
    today = patient.today()
    start = today - dt.timedelta(days=DEFAULT_DAYS - 1)
    if last_end is not None and last_end < today:
        start = max(last_end + dt.timedelta(days=1), today - dt.timedelta(days=MAX_DAYS - 1))
    return start, today


def _score(q) -> Score:
    spec = PHQ9 if q.instrument == PHQ9.instrument else GAD7
    return Score(
        q.day,
        q.instrument,
        spec.title.split(" ")[0],
        q.total,
        band(q.instrument, q.total),
        q.submitted_at,
    )


def _weeks(daily: list[tuple[dt.date, int]]) -> list[Week]:
    by_week: dict[dt.date, list[int]] = defaultdict(list)
    for day, mood in daily:
        by_week[week_start(day)].append(mood)
    return [
        Week(start, len(moods), sum(moods) / len(moods), min(moods), max(moods))
        for start, moods in sorted(by_week.items())
    ]


def _helps(daily: dict[dt.date, int], tags: list[tuple[dt.date, str]]) -> list[Helps]:
    """Average mood on days with and without each tag, only where both sides have at least
    WHAT_HELPS_MIN_DAYS days (as the trends page says, a difference over three days is noise),
    the largest differences first."""
    days_by_tag: dict[str, set[dt.date]] = defaultdict(set)
    for day, name in tags:
        if day in daily:
            days_by_tag[name].add(day)
    total, count = sum(daily.values()), len(daily)
    out = []
    for name, days in days_by_tag.items():
        n_with, n_without = len(days), count - len(days)
        if n_with < WHAT_HELPS_MIN_DAYS or n_without < WHAT_HELPS_MIN_DAYS:
            continue
        with_sum = sum(daily[d] for d in days)
        out.append(
            Helps(name, n_with, with_sum / n_with, n_without, (total - with_sum) / n_without)
        )
    out.sort(key=lambda h: (-abs(h.difference), h.name.lower()))
    return out[:MAX_HELPS]


def phq9_outcome(phq9: list[Score], spans: list[Span], end: dt.date) -> Outcome:
    """The PHQ-9 outcome of the course under way at the report's end (the latest whose first
    session is on or before it), by journal/courses.py's rules: measured from the latest PHQ-9
    in the 30 days up to and including its first session (before the session's time on that
    day); only when there is none, the first score after it, and the report says so. With no
    session yet, from the first score. The latest is the last score up to the report's end."""
    up_to_end = [s for s in phq9 if s.day <= end]
    latest = up_to_end[-1] if up_to_end else None
    current = [span for span in spans if span.first_day <= end]
    if not current:
        baseline = phq9[0] if phq9 else None
        words = ""
    else:
        points = [Point(s.day, s.total, s.at) for s in up_to_end]
        found = course_baseline(points, current[-1])
        # The baseline is one of `points`: the score at the same place in the list.
        index = next((i for i, p in enumerate(points) if p is found.point), None)
        baseline = up_to_end[index] if index is not None else None
        words = "" if found.before_treatment or found.point is None else found.words
    if latest is None or baseline is None or latest is baseline:
        return Outcome(baseline, latest, baseline_words=words)
    return Outcome(
        baseline,
        latest,
        response=phq9_response(baseline=baseline.total, total=latest.total),
        remission=phq9_remission(latest.total),
        baseline_words=words,
    )


# Extra parts of a report, in order: f(patient, start, end) -> Section or None.
SECTIONS: list[Callable[..., Section | None]] = []


def report_for(patient, start: dt.date, end: dt.date) -> Report:
    """The report of `patient` from `start` to `end` (both included)."""
    daily_rows = list(
        CheckIn.objects.for_patient(patient)
        .filter(day__range=(start, end))
        .order_by("day")
        .values_list("day", "mood", "sleep_hours")
    )
    tags = list(
        CheckInActivity.objects.filter(
            checkin__patient=patient, day__range=(start, end)
        ).values_list("day", "activity__name")
    )
    scores = [
        _score(q)
        for q in QuestionnaireResponse.objects.for_patient(patient)
        .filter(day__lte=end)
        .order_by("day", "submitted_at")
        .only("day", "instrument", "total", "submitted_at")
    ]
    sessions = list(
        TreatmentSession.objects.for_patient(patient)
        .filter(day__lte=end)
        .order_by("day", "started_at")
        .values_list("day", "kind", "dose", "course_id", "started_at")
    )
    signals = list(
        Signal.objects.filter(patient=patient)
        .filter(Q(started_on__range=(start, end)) | Q(detected_at__date__range=(start, end)))
        .order_by("-detected_at")
    )
    moods = {day: mood for day, mood, _ in daily_rows}
    sleeps = [float(h) for _, _, h in daily_rows if h is not None]
    weeks = _weeks(list(moods.items()))
    phq9 = [s for s in scores if s.instrument == PHQ9.instrument]
    gad7 = [s for s in scores if s.instrument == GAD7.instrument]
    in_range = [s for s in scores if s.day >= start]
    session_days = [day for day, *_ in sessions if day >= start]
    kinds = dict(TreatmentSession.Kind.choices)
    shown_sessions = [
        (d, kinds.get(k, k), dose) for d, k, dose, *_ in reversed(sessions) if d >= start
    ]
    firsts: dict[int, tuple[dt.date, dt.datetime]] = {}
    for day, _, _, course_id, started_at in sessions:
        firsts.setdefault(course_id, (day, started_at))
    spans = spans_from_first_sessions(sorted(firsts.values()))
    return Report(
        start=start,
        end=end,
        days_in_range=(end - start).days + 1,
        days_logged=len(moods),
        mood_mean=sum(moods.values()) / len(moods) if moods else None,
        mood_low=min(moods.values(), default=None),
        mood_high=max(moods.values(), default=None),
        sleep_mean=sum(sleeps) / len(sleeps) if sleeps else None,
        weeks=weeks,
        scores=list(reversed(in_range))[:MAX_SCORES],
        scores_left_out=max(0, len(in_range) - MAX_SCORES),
        outcome=phq9_outcome(phq9, spans, end),
        gad7_latest=gad7[-1] if gad7 else None,
        sessions=shown_sessions[:MAX_SESSIONS],
        sessions_left_out=max(0, len(shown_sessions) - MAX_SESSIONS),
        signals=[
            ReportSignal(
                started_on=s.started_on,
                settled=s.resolved_at is not None,
                # The report is the patient's own document: their words, never the team's.
                words=s.words_for_patient(end),
            )
            for s in signals[:MAX_SIGNALS]
        ],
        signals_left_out=max(0, len(signals) - MAX_SIGNALS),
        helps=_helps(moods, tags),
        sections=[s for build in SECTIONS if (s := build(patient, start, end)) is not None],
        mood_chart=svg.weekly_band(weeks, session_days, start=start, end=end),
        phq9_chart=_score_chart(PHQ9, phq9, session_days, start, end),
        gad7_chart=_score_chart(GAD7, gad7, session_days, start, end),
    )


def _score_chart(spec: Spec, scores: list[Score], sessions, start, end) -> str:
    shown = [(s.day, s.total) for s in scores if start <= s.day <= end]
    if not shown:
        return ""
    return svg.scores(
        spec.title.split(" ")[0],
        shown,
        band_ranges(spec),
        spec.max_total,
        sessions,
        start=start,
        end=end,
    )
