"""Pages load what they show in a fixed number of queries, whatever the length of history.

Bounds are the counts measured with one day of history (sign-in session and user included);
the same bound must hold with 400 days."""

import datetime as dt

import pytest
from django.urls import reverse

from journal.models import Activity, CheckInActivity
from tests.factories import QuestionnaireResponseFactory, TreatmentSessionFactory, daily_history

pytestmark = pytest.mark.django_db

PAGES = {
    # 16: one is the patient's open warning cards (journal/warning_cards.py), one the safety
    # plan additions their care team suggested, two the courses and PHQ-9 totals behind the
    # durability cue (journal/course_outcomes.py), one a session whose after-session check is
    # open, one a session booked in the next 48 hours (a PHQ-9 due before it), one the
    # questionnaire rhythms the patient's care teams set (careteam/rhythms.py, any number).
    "home": (lambda p: reverse("home"), 17),
    "checkin": (lambda p: reverse("checkin"), 8),
    "checkin_day": (
        lambda p: reverse("checkin_day", args=[p.today() - dt.timedelta(days=1)]),
        9,
    ),
    "history": (lambda p: reverse("history"), 8),
    "history_calendar": (lambda p: reverse("history_calendar"), 6),
    # 9: one asks whether a session is booked in the next 48 hours (a PHQ-9 due before it),
    # one reads the questionnaire rhythms the patient's care teams set.
    "questionnaires": (lambda p: reverse("questionnaires"), 9),
    # 9: two ask whether a PHQ-9 is due before a session booked in the next 48 hours, one
    # reads the care teams' questionnaire rhythms.
    "sessions": (lambda p: reverse("sessions"), 9),
    "courses": (lambda p: reverse("courses"), 7),
}


def _history(patient, days):
    rows = daily_history(patient, days=days, end=patient.today() - dt.timedelta(days=1))
    tags = list(Activity.objects.filter(owner__isnull=True)[:3])
    CheckInActivity.objects.bulk_create(
        [CheckInActivity(checkin_id=r.pk, activity_id=t.pk, day=r.day) for r in rows for t in tags]
    )
    for n in range(min(days // 14, 20)):
        QuestionnaireResponseFactory(patient=patient, day=patient.today() - dt.timedelta(14 * n))
    TreatmentSessionFactory(patient=patient)


@pytest.mark.parametrize("days", [1, 400])
@pytest.mark.parametrize("name", list(PAGES))
def test_pages_use_the_same_bounded_queries_for_one_day_or_400(
    patient_client, patient, django_assert_max_num_queries, name, days
):
    _history(patient, days)
    url, bound = PAGES[name]
    with django_assert_max_num_queries(bound):
        response = patient_client.get(url(patient))
    assert response.status_code == 200


def test_saving_a_check_in_uses_bounded_queries_with_a_long_history(
    patient_client, patient, django_assert_max_num_queries
):
    _history(patient, 400)
    from tests.journal.conftest import checkin_post

    tag = Activity.objects.first()
    with django_assert_max_num_queries(25):
        response = patient_client.post(
            reverse("checkin"), checkin_post(mood="5", activities=[str(tag.pk)])
        )
    assert response.status_code == 302
