"""Writes for treatment courses and medications: which course a session joins, a patient's
changes to a course, and their medications with each dose change. `treatment_session_save`
(journal/services.py) asks `session_course` for every session it adds or moves, whether from
the session form, an import or the demo, so the grouping rule (journal/courses.py) is written
once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from .after_session import valid_ratings
from .care import care_teams
from .courses import join_gap_days, next_course_kind
from .models import Course, Medication, MedicationChange, SessionCheck, TreatmentSession


def _medication_for(route: str) -> str:
    return "Esketamine" if route == TreatmentSession.Kind.NASAL_SPRAY else "Ketamine"


def _lock_patient(patient) -> None:
    """Serialise course changes per patient: two sessions saved at once must not both start
    the patient's one open course."""
    get_user_model().objects.select_for_update().filter(pk=patient.pk).exists()


@transaction.atomic
def session_course(*, patient, day: dt.date, route: str, exclude_session=None) -> Course:
    """The course a session on `day` belongs to, started or widened as needed.

    - A course that covers the day (from its start to its end, or open) is joined; but an
      open course whose last session is further back than its kind allows (21 days for an
      induction, 90 for maintenance) ends on that session's day, and the new session starts
      the next course (maintenance after an induction; induction again after 90 days).
    - A day before or between courses (an import of older history, a back-dated entry) joins
      the course just before it, or just after it, when within that course's gap, widening it;
      otherwise it starts a course of its own, closed unless it is the latest.
    `exclude_session`: a session being moved, which must not count as one of its course's own.
    """
    _lock_patient(patient)
    courses = list(Course.objects.for_patient(patient).order_by("started_on", "pk"))
    others = TreatmentSession.objects.filter(course__in=courses)
    if exclude_session is not None:
        others = others.exclude(pk=exclude_session.pk)
    last_day = dict(
        others.order_by().values("course").annotate(last=Max("day")).values_list("course", "last")
    )
    covering = [
        c for c in courses if c.started_on <= day and (c.ended_on is None or day <= c.ended_on)
    ]
    if covering:
        course = covering[-1]
        last = last_day.get(course.pk)
        if course.ended_on is not None or last is None or day <= last:
            return course
        gap = (day - last).days
        if gap <= join_gap_days(course.kind):
            return course
        course.ended_on = last
        course.save(update_fields=["ended_on", "updated_at"])
        return _course_start(
            patient, day, route, kind=next_course_kind(course.kind, gap), is_latest=True
        )

    earlier = [c for c in courses if c.started_on < day]
    later = [c for c in courses if c.started_on > day]
    before = earlier[-1] if earlier else None  # ended before `day`, or it would cover it
    after = later[0] if later else None
    if before is not None and after is not None:
        before_last = last_day.get(before.pk) or before.ended_on
        assert before_last is not None  # noqa: S101 - a course before another is closed
        if (day - before_last).days <= join_gap_days(before.kind):
            before.ended_on = day
            before.save(update_fields=["ended_on", "updated_at"])
            return before
    if after is not None and (after.started_on - day).days <= join_gap_days(after.kind):
        after.started_on = day
        after.save(update_fields=["started_on", "updated_at"])
        return after
    gap = None
    if before is not None:
        before_end = last_day.get(before.pk) or before.ended_on
        gap = (day - before_end).days if before_end else None
    kind = next_course_kind(before.kind if before else None, gap)
    return _course_start(patient, day, route, kind=kind, is_latest=after is None)


def _course_start(patient, day: dt.date, route: str, *, kind: str, is_latest: bool) -> Course:
    return Course.objects.create(
        patient=patient,
        kind=kind,
        medication=_medication_for(route),
        route=route,
        started_on=day,
        ended_on=None if is_latest else day,
    )


def course_tidy(course: Course) -> None:
    """Remove a course its last session has left (moved to another day's course)."""
    if not course.sessions.exists():
        course.delete()


@dataclass(frozen=True)
class CourseData:
    kind: str
    medication: str
    route: str
    planned_sessions: int | None
    ended_on: dt.date | None


@transaction.atomic
def course_update(*, patient, course: Course, data: CourseData) -> Course:
    """The patient's own description of a course: kind, medication and route, sessions
    planned, and its end. An end can't come before the course's last session (the sessions
    would be left outside it), and only the latest course can be left open."""
    if course.patient_id != patient.pk:
        raise ValidationError("That course isn't yours.")
    _lock_patient(patient)
    course = Course.objects.get(pk=course.pk)
    last = course.sessions.aggregate(last=Max("day"))["last"]
    if data.ended_on is not None:
        if last is not None and data.ended_on < last:
            raise ValidationError(
                f"The course's last session was on {last:%-d %B %Y}; please choose that day "
                "or later as its end.",
                code="ends_before_last_session",
            )
        if data.ended_on > patient.today():
            raise ValidationError(
                "A course can be marked as ended from its last day on; please choose today or "
                "an earlier day.",
                code="future_end",
            )
    elif Course.objects.for_patient(patient).filter(started_on__gt=course.started_on).exists():
        raise ValidationError(
            "A later course has begun since, so this one needs an end date.",
            code="later_course",
        )
    course.kind = data.kind
    course.medication = data.medication
    course.route = data.route
    course.planned_sessions = data.planned_sessions
    course.ended_on = data.ended_on
    course.full_clean(exclude=["patient"])
    course.save()
    return course


@dataclass(frozen=True)
class MedicationData:
    name: str
    dose: Decimal | None
    unit: str
    how_often: str
    started_on: dt.date
    stopped_on: dt.date | None


@transaction.atomic
def medication_save(*, patient, data: MedicationData, medication: Medication | None = None):
    """Add a medication, or edit `medication` (the patient's own): name, first dose, how
    often, start and stop. A later dose is a change (`medication_dose_change`), so the charts
    can mark the day it changed."""
    if medication is not None and medication.patient_id != patient.pk:
        raise ValidationError("That medication isn't yours.")
    today = patient.today()
    if data.started_on > today:
        raise ValidationError("Please choose a start date of today or earlier.", code="future")
    if data.stopped_on is not None and data.stopped_on > today:
        raise ValidationError("Please choose a stop date of today or earlier.", code="future")
    if data.stopped_on is not None and data.stopped_on < data.started_on:
        raise ValidationError("The stop date can't come before the start date.", code="order")
    medication = medication or Medication(patient=patient)
    for name in ("name", "dose", "unit", "how_often", "started_on", "stopped_on"):
        setattr(medication, name, getattr(data, name))
    medication.full_clean(exclude=["patient"])
    medication.save()
    return medication


@transaction.atomic
def medication_dose_change(
    *, patient, medication: Medication, day: dt.date, dose: Decimal, unit: str
) -> MedicationChange:
    """A new dose of the patient's own medication from `day` on. The same day twice keeps one
    change (the later entry), so a double submit or a correction makes no second marker."""
    if medication.patient_id != patient.pk:
        raise ValidationError("That medication isn't yours.")
    if day > patient.today():
        raise ValidationError("Please choose today or an earlier day.", code="future")
    if day < medication.started_on:
        raise ValidationError(
            "A dose change can't come before the medication was started.", code="before_start"
        )
    if medication.stopped_on is not None and day > medication.stopped_on:
        raise ValidationError(
            "A dose change can't come after the medication was stopped.", code="after_stop"
        )
    change, _ = MedicationChange.objects.update_or_create(
        medication=medication, day=day, defaults={"dose": dose, "unit": unit}
    )
    return change


@dataclass(frozen=True)
class SessionCheckData:
    moment: str
    felt: int | None
    effects: dict[str, int]
    bp_before: tuple[int, int] | None = None
    bp_after: tuple[int, int] | None = None


@transaction.atomic
def session_check_save(
    *,
    patient,
    session: TreatmentSession,
    data: SessionCheckData,
    entered_by=None,
    team_name: str = "",
):
    """The after-session self-check for one moment (the evening of, the day after), saved
    once: saving again edits it, so a double submit keeps one. Returns the check.

    With `entered_by` (a care-team member, for the team named `team_name`; Scope.CLINIC_ENTRIES,
    asked by the caller's door) the check is the team's and marked so. Neither side overwrites
    the other's: the patient reads a team entry but does not edit it, and a team does not
    replace what the patient wrote."""
    if session.patient_id != patient.pk:
        raise ValidationError("That session isn't yours.")
    if entered_by is not None and not team_name:
        raise ValidationError("A team entry needs the team's name.")
    existing = (
        SessionCheck.objects.select_for_update()
        .filter(session=session, moment=data.moment)
        .only("entered_by_team")
        .first()
    )
    if existing is not None and existing.by_team and entered_by is None:
        raise ValidationError(
            "Your care team entered this check for you. You can read it here, but not change "
            "it; you can fill in the other moment, or ask your team to correct it.",
            code="team_entry",
        )
    if existing is not None and not existing.by_team and entered_by is not None:
        raise ValidationError(
            "The patient has already filled in this check themselves; it stays as they wrote it.",
            code="patient_entry",
        )
    if not valid_ratings(data.effects):
        raise ValidationError("Please rate each after-effect from the list.", code="effects")
    for reading in (data.bp_before, data.bp_after):
        if reading is not None and reading[0] <= reading[1]:
            raise ValidationError(
                "The first blood-pressure number (systolic) is the higher one, for example "
                "120 over 80. Please check the reading.",
                code="bp_order",
            )
    before = data.bp_before or (None, None)
    after = data.bp_after or (None, None)
    check, _ = SessionCheck.objects.update_or_create(
        session=session,
        moment=data.moment,
        defaults={
            "patient": patient,
            "felt": data.felt,
            "effects": {k: v for k, v in data.effects.items() if v},
            "bp_before_systolic": before[0],
            "bp_before_diastolic": before[1],
            "bp_after_systolic": after[0],
            "bp_after_diastolic": after[1],
            "entered_by": entered_by,
            "entered_by_name": (entered_by.display_name or entered_by.email) if entered_by else "",
            "entered_by_team": team_name if entered_by is not None else "",
        },
    )
    return check


# Neutral words a clinic can replace with its own in admin (careteam: the team's
# pre-session checklist).
DEFAULT_CHECKLIST = (
    "A ride home is arranged",
    "I have eaten and drunk only as the clinic told me",
    "No alcohol today",
)


def checklist_for(patient) -> tuple[str, list[str]]:
    """Who set the checklist the patient sees ("Tideline" for the default) and its items."""
    chosen = care_teams().pre_session_checklist(patient)
    return chosen if chosen is not None else ("Tideline", list(DEFAULT_CHECKLIST))


@transaction.atomic
def session_checklist_save(*, patient, session: TreatmentSession, ticked: list[str]) -> None:
    """The items the patient ticked before `session` (their own), in the words they saw."""
    if session.patient_id != patient.pk:
        raise ValidationError("That session isn't yours.")
    _, items = checklist_for(patient)
    if not set(ticked) <= set(items):
        raise ValidationError("Please tick items from the list.", code="unknown_item")
    session.checklist_ticked = [item for item in items if item in ticked]
    session.save(update_fields=["checklist_ticked", "updated_at"])
