"""Each course's numbers, read set-based for one patient or a whole caseload: three queries
(courses with their session counts, PHQ-9 totals, nothing per patient), whatever the number of
patients or the length of their history. The rules are journal/courses.py's."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from .courses import Outcome, Point, Span, course_outcome
from .models import Course, Instrument, QuestionnaireResponse


@dataclass(frozen=True)
class CourseRow:
    course: Course
    number: int  # 1 for a patient's first course
    sessions_done: int
    sessions_booked: int  # ahead, not yet happened
    last_session: dt.date | None
    span: Span
    outcome: Outcome

    @property
    def is_open(self) -> bool:
        return self.course.ended_on is None

    @property
    def sessions_words(self) -> str:
        planned = self.course.planned_sessions
        done = f"{self.sessions_done} of {planned}" if planned else f"{self.sessions_done}"
        booked = f", {self.sessions_booked} booked" if self.sessions_booked else ""
        return f"{done} done{booked}"


def phq9_points(patient_ids: Iterable[int]) -> dict[int, list[Point]]:
    """Each patient's PHQ-9 totals in time order. One query."""
    points: dict[int, list[Point]] = defaultdict(list)
    rows = (
        QuestionnaireResponse.objects.filter(patient_id__in=list(patient_ids))
        .filter(instrument=Instrument.PHQ9)
        .order_by("patient_id", "day", "submitted_at", "pk")
        .values_list("patient_id", "day", "total", "submitted_at")
    )
    for patient_id, day, total, at in rows:
        points[patient_id].append(Point(day, total, at))
    return points


def courses_for(
    patient_ids: Iterable[int], points: dict[int, list[Point]] | None = None
) -> dict[int, list[CourseRow]]:
    """Each patient's courses, oldest first, with their outcomes. Two queries (one if the PHQ-9
    points are handed in)."""
    ids = list(patient_ids)
    now = timezone.now()
    if points is None:
        points = phq9_points(ids)
    courses = list(
        Course.objects.filter(patient_id__in=ids)
        .annotate(
            first_day=Min("sessions__day"),
            first_at=Min("sessions__started_at"),
            last_day=Max("sessions__day", filter=Q(sessions__started_at__lte=now)),
            done=Count("sessions", filter=Q(sessions__started_at__lte=now)),
            booked=Count("sessions", filter=Q(sessions__started_at__gt=now)),
        )
        .order_by("patient_id", "started_on", "pk")
    )
    # Annotated rows (first_day, first_at, last_day, done, booked), grouped by patient.
    by_patient: dict[int, list[Any]] = defaultdict(list)
    for course in courses:
        by_patient[course.patient_id].append(course)
    out: dict[int, list[CourseRow]] = {}
    for patient_id, own in by_patient.items():
        firsts = [(c.first_day or c.started_on, c.first_at) for c in own]
        rows = []
        for n, row in enumerate(own):
            following = firsts[n + 1] if n + 1 < len(firsts) else (None, None)
            span = Span(firsts[n][0], firsts[n][1], following[0], following[1])
            rows.append(
                CourseRow(
                    course=row,
                    number=n + 1,
                    sessions_done=row.done,
                    sessions_booked=row.booked,
                    last_session=row.last_day,
                    span=span,
                    outcome=course_outcome(points.get(patient_id, []), span),
                )
            )
        out[patient_id] = rows
    return out


def current_course(rows: list[CourseRow]) -> CourseRow | None:
    """The open course, else the latest."""
    return next((r for r in rows if r.is_open), rows[-1] if rows else None)
