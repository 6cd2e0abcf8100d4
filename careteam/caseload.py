"""The caseload figures a care-team member sees: across the patients who share trends with
any of their teams, how treatment courses are going. Set-based: four queries whatever the
number of patients (the patients, their courses, their PHQ-9 totals, their last check-ins);
each figure keeps the patients behind it, so the page can link to them.

Definitions are journal/courses.py's (README, "Treatment courses: the rules"):
- in a course: an open course (no end date);
- response and remission rates, per course kind: of the courses with a baseline and at least
  one PHQ-9 after it, those that reached response (or remission) at any score;
- median change from baseline: over each patient's current course (the open one, else the
  latest) with a baseline and a later score, the latest minus the baseline, in points;
- stopped logging: a last check-in 14 or more days before the patient's today.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery

from accounts.models import User
from journal.access import Scope
from journal.course_outcomes import courses_for, current_course
from journal.models import CheckIn, Course

from .access import shares_visible_to

STOPPED_LOGGING_DAYS = 14


@dataclass
class Figure:
    label: str
    patients: list[User] = field(default_factory=list)  # the patients behind it, by name
    of: int | None = None  # the denominator, when the figure is a rate
    counted: int | None = None  # when it counts courses, not patients

    @property
    def count(self) -> int:
        return self.counted if self.counted is not None else len(self.patients)

    @property
    def percent(self) -> int | None:
        return round(self.count * 100 / self.of) if self.of else None


@dataclass
class KindFigures:
    kind: str
    measured: int
    response: Figure
    remission: Figure


@dataclass
class Caseload:
    patients: int
    in_course: Figure
    per_kind: list[KindFigures]
    median_change: float | None
    median_change_patients: Figure
    stopped_logging: Figure


def caseload(*, viewer: User) -> Caseload:
    """The viewer's caseload figures. Four queries, whatever the number of patients."""
    shared = shares_visible_to(viewer).covering(Scope.TRENDS)
    patients = _patients(shared)
    by_id = {p.pk: p for p in patients}
    courses = courses_for(by_id)
    in_course = Figure("Patients in a course now")
    change = Figure("Patients whose current course has a baseline and a later score")
    changes = []
    kinds: dict[str, tuple[Figure, Figure, set[int]]] = {
        k: (Figure("Response", counted=0), Figure("Remission", counted=0), set())
        for k in Course.Kind.values
    }
    for patient in patients:
        rows = courses.get(patient.pk, [])
        if any(r.is_open for r in rows):
            in_course.patients.append(patient)
        for row in rows:
            outcome = row.outcome
            if outcome.baseline.point is None or outcome.latest is None:
                continue
            response, remission, measured = kinds[row.course.kind]
            measured.add(row.course.pk)
            for figure, reached in (
                (response, outcome.response_on),
                (remission, outcome.remission_on),
            ):
                if reached is None:
                    continue
                figure.counted = (figure.counted or 0) + 1
                if patient not in figure.patients:
                    figure.patients.append(patient)
        current = current_course(rows)
        if current is not None and current.outcome.change_points is not None:
            change.patients.append(patient)
            changes.append(current.outcome.change_points)
    per_kind = []
    for kind, label in Course.Kind.choices:
        response, remission, measured = kinds[kind]
        if not measured:
            continue
        # Rates over courses (a patient with two inductions counts twice), patients listed once.
        response.of = remission.of = len(measured)
        per_kind.append(KindFigures(label, len(measured), response, remission))
    stopped = Figure(f"Stopped logging for {STOPPED_LOGGING_DAYS} days or more")
    for patient in patients:
        last = getattr(patient, "last_checkin", None)  # annotated by _patients
        if last is not None and (patient.today() - last).days >= STOPPED_LOGGING_DAYS:
            stopped.patients.append(patient)
    return Caseload(
        patients=len(patients),
        in_course=in_course,
        per_kind=per_kind,
        median_change=statistics.median(changes) if changes else None,
        median_change_patients=change,
        stopped_logging=stopped,
    )


def _patients(shared) -> list[User]:
    """The patients who share trends with the viewer's teams, each with their last check-in
    day: one query."""
    last = CheckIn.objects.filter(patient=OuterRef("pk")).order_by("-day").values("day")[:1]
    return list(
        User.objects.filter(pk__in=shared.values("patient_id"))
        .annotate(last_checkin=Subquery(last))
        .only("id", "public_id", "email", "display_name", "time_zone")
        .order_by("display_name", "email")
    )
