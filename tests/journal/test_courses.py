"""Treatment courses in the database: every path that adds a session puts it in a course, a
patient's course page and edits, and the migration that grouped the sessions already there."""

import contextlib
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from journal.models import Course, TreatmentSession
from journal.selectors import questionnaires_due
from journal.services import SessionData, treatment_session_save
from journal.treatment import CourseData, course_update
from tests.factories import QuestionnaireResponseFactory, UserFactory, scored_questionnaire

pytestmark = pytest.mark.django_db


def add(patient, day: dt.date, hour: int = 10, kind: str = "iv") -> TreatmentSession:
    return treatment_session_save(
        patient=patient, data=SessionData(day=day, time=dt.time(hour), kind=kind)
    )


def test_sessions_join_the_open_course_and_each_patient_has_their_own(patient, other_patient):
    today = patient.today()
    first = add(patient, today - dt.timedelta(days=20))
    second = add(patient, today - dt.timedelta(days=17))
    theirs = add(other_patient, today - dt.timedelta(days=17))
    assert first.course_id == second.course_id != theirs.course_id
    course = first.course
    assert (course.kind, course.started_on, course.ended_on) == ("induction", first.day, None)
    assert theirs.course.patient == other_patient
    assert Course.objects.filter(patient=patient).count() == 1


@pytest.mark.parametrize(("gap", "new_course"), [(21, False), (22, True)])
def test_after_an_induction_a_long_gap_starts_maintenance(patient, gap, new_course):
    today = patient.today()
    start = today - dt.timedelta(days=60)
    first = add(patient, start)
    later = add(patient, start + dt.timedelta(days=gap))
    assert (later.course_id != first.course_id) is new_course
    if new_course:
        first.course.refresh_from_db()
        assert first.course.ended_on == start  # ended on its last session's day
        assert later.course.kind == "maintenance" and later.course.ended_on is None


def test_a_booked_session_ahead_joins_the_open_course(patient):
    today = patient.today()
    done = add(patient, today - dt.timedelta(days=3))
    booked = add(patient, today + dt.timedelta(days=2))
    assert booked.course_id == done.course_id


def test_an_older_history_imported_later_gets_its_own_closed_course(patient):
    today = patient.today()
    current = add(patient, today - dt.timedelta(days=5))
    old = [add(patient, today - dt.timedelta(days=400 - n * 3)) for n in range(3)]
    assert len({s.course_id for s in old}) == 1
    old_course = old[0].course
    old_course.refresh_from_db()
    assert old_course.ended_on == old[-1].day
    assert old_course.started_on == old[0].day
    assert current.course_id != old_course.pk
    assert Course.objects.open().get(patient=patient).pk == current.course_id


def test_moving_a_session_to_another_course_leaves_no_empty_course(patient):
    today = patient.today()
    add(patient, today - dt.timedelta(days=300))
    stray = add(patient, today - dt.timedelta(days=200))
    assert Course.objects.filter(patient=patient).count() == 2
    treatment_session_save(
        patient=patient,
        data=SessionData(day=today - dt.timedelta(days=298), time=dt.time(10), kind="iv"),
        session=stray,
    )
    assert Course.objects.filter(patient=patient).count() == 1


def test_a_patient_ends_a_course_and_the_next_session_starts_a_new_one(patient):
    today = patient.today()
    session = add(patient, today - dt.timedelta(days=10))
    course_update(
        patient=patient,
        course=session.course,
        data=CourseData("induction", "Ketamine", "iv", 6, today - dt.timedelta(days=10)),
    )
    later = add(patient, today - dt.timedelta(days=2))
    assert later.course_id != session.course_id
    assert later.course.kind == "maintenance"


def test_a_course_cannot_end_before_its_last_session(patient):
    today = patient.today()
    add(patient, today - dt.timedelta(days=10))
    last = add(patient, today - dt.timedelta(days=4))
    with pytest.raises(ValidationError, match="last session was on"):
        course_update(
            patient=patient,
            course=last.course,
            data=CourseData("induction", "Ketamine", "iv", None, today - dt.timedelta(days=5)),
        )


def test_someone_elses_course_is_refused(patient, other_patient):
    theirs = add(other_patient, other_patient.today() - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        course_update(
            patient=patient,
            course=theirs.course,
            data=CourseData("other", "", "iv", None, None),
        )


def test_the_course_page_shows_each_course_from_its_own_baseline(patient_client, patient):
    today = patient.today()
    scored_questionnaire(patient, "phq9", 20, today - dt.timedelta(days=33))
    add(patient, today - dt.timedelta(days=30))
    scored_questionnaire(patient, "phq9", 12, today - dt.timedelta(days=29))
    scored_questionnaire(patient, "phq9", 8, today - dt.timedelta(days=20))
    page = patient_client.get(reverse("courses")).content.decode()
    assert "Course 1: Induction (going on)" in page
    assert "the last one before the course" in page
    assert "(-60% from the start)" in page
    assert "First on" in page  # response: 8 is under half of 20


def test_the_course_edit_form_gives_a_clear_message_for_bad_input(patient_client, patient):
    session = add(patient, patient.today() - dt.timedelta(days=3))
    url = reverse("course_edit", args=[session.course_id])
    response = patient_client.post(
        url, {"kind": "induction", "route": "iv", "planned_sessions": "0", "ended_on": ""}
    )
    assert response.status_code == 200
    assert "Please enter at least 1 session" in response.content.decode()
    response = patient_client.post(
        url, {"kind": "induction", "route": "iv", "planned_sessions": "6", "medication": "K"}
    )
    assert response.status_code == 302
    session.course.refresh_from_db()
    assert session.course.planned_sessions == 6


def test_deleting_a_patient_deletes_their_courses_and_sessions(patient, other_patient):
    add(patient, patient.today() - dt.timedelta(days=3))
    add(other_patient, other_patient.today() - dt.timedelta(days=3))
    User.objects.filter(pk=patient.pk).delete()
    assert not Course.objects.filter(patient_id=patient.pk).exists()
    assert Course.objects.filter(patient=other_patient).count() == 1


@contextlib.contextmanager
def migrating(before: str, after: str):
    executor = MigrationExecutor(connection)
    executor.migrate([("journal", before)])
    try:
        yield executor.loader.project_state([("journal", before)]).apps
        MigrationExecutor(connection).migrate([("journal", after)])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_groups_existing_sessions_into_courses():
    first_day = dt.date(2026, 1, 5)
    a, b = UserFactory(), UserFactory()
    with migrating("0016_course", "0018_every_session_in_a_course") as old:
        Session = old.get_model("journal", "TreatmentSession")
        # Patient a: an induction of three, boosters 5 and 9 weeks later, then a new start
        # after four months. Patient b: one session.
        offsets = [0, 3, 7, 42, 70, 200]
        for n in offsets:
            day = first_day + dt.timedelta(days=n)
            Session.objects.create(
                patient_id=a.pk,
                day=day,
                started_at=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
                kind="iv",
            )
        Session.objects.create(
            patient_id=b.pk,
            day=first_day,
            started_at=dt.datetime.combine(first_day, dt.time(10), tzinfo=dt.UTC),
            kind="nasal",
        )
    courses = list(Course.objects.filter(patient=a).order_by("started_on"))
    assert [(c.kind, c.sessions.count()) for c in courses] == [
        ("induction", 3),
        ("maintenance", 2),
        ("induction", 1),
    ]
    assert courses[0].ended_on == first_day + dt.timedelta(days=7)
    assert courses[-1].ended_on is None
    theirs = Course.objects.get(patient=b)
    assert (theirs.medication, theirs.route, theirs.ended_on) == ("Esketamine", "nasal", None)


def book(patient, hours_ahead: float) -> TreatmentSession:
    when = timezone.now() + dt.timedelta(hours=hours_ahead)
    local = when.astimezone(patient.zoneinfo)
    return treatment_session_save(
        patient=patient,
        data=SessionData(day=local.date(), time=local.time().replace(microsecond=0), kind="iv"),
    )


def phq9_at(patient, hours_ago: float) -> None:
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    QuestionnaireResponseFactory(
        patient=patient, day=at.astimezone(patient.zoneinfo).date(), submitted_at=at
    )


@pytest.mark.parametrize(("hours_ahead", "due"), [(47.5, True), (48.5, False)])
def test_a_phq9_is_due_in_the_48_hours_before_a_booked_session(patient, hours_ahead, due):
    phq9_at(patient, 24)  # a recent one: not due by the every-14-days rule
    session = book(patient, hours_ahead)
    [phq9] = [
        s
        for s in questionnaires_due(patient=patient, today=patient.today())
        if s.instrument == "phq9"
    ]
    assert phq9.due is due
    assert phq9.before_session == (session if due else None)


@pytest.mark.parametrize(("hours_ago", "due"), [(1, False), (23, True)])
def test_one_filled_in_within_the_48_hours_counts(patient, other_patient, hours_ago, due):
    book(patient, 30)  # 30 hours ahead: the window opened 18 hours ago
    phq9_at(patient, hours_ago)
    book(other_patient, 30)  # someone else's session changes nothing for this patient
    [phq9] = [
        s
        for s in questionnaires_due(patient=patient, today=patient.today())
        if s.instrument == "phq9"
    ]
    assert phq9.due is due


def test_the_sessions_page_offers_the_phq9_before_a_booked_session(patient_client, patient):
    phq9_at(patient, 72)  # three days ago: before the 48 hours, within the 14 days
    book(patient, 20)
    page = patient_client.get(reverse("sessions")).content.decode()
    assert "Before your session on" in page
    assert reverse("questionnaire_fill", args=["phq9"]) in page
    home = patient_client.get(reverse("home")).content.decode()
    assert "(before your session on" in home
