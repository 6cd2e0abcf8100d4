import datetime as dt

import pytest
from django.urls import reverse

from journal.models import Activity, CheckIn
from tests.factories import CheckInFactory, daily_history

pytestmark = pytest.mark.django_db


def test_history_lists_past_days_newest_first_with_a_link_to_edit(patient_client, patient):
    today = patient.today()
    CheckInFactory(patient=patient, day=today - dt.timedelta(days=3), mood=2, note="grey day")
    CheckInFactory(patient=patient, day=today - dt.timedelta(days=1), mood=8)

    body = patient_client.get(reverse("history")).content.decode()

    assert body.index("Mood 8 out of 10") < body.index("Mood 2 out of 10")
    assert "grey day" in body
    assert reverse("checkin_day", args=[today - dt.timedelta(days=3)]) in body


def test_history_is_paginated(patient_client, patient):
    daily_history(patient, days=45, end=patient.today() - dt.timedelta(days=1))

    first = patient_client.get(reverse("history")).content.decode()
    second = patient_client.get(reverse("history"), {"page": 2}).content.decode()
    nonsense = patient_client.get(reverse("history"), {"page": "x"})

    assert first.count('class="card entry"') == 30
    assert "Page 1 of 2" in first
    assert second.count('class="card entry"') == 15
    assert nonsense.status_code == 200


def test_history_never_shows_another_patients_days(patient_client, other_patient):
    CheckInFactory(patient=other_patient, note="someone else's secret")
    assert "secret" not in patient_client.get(reverse("history")).content.decode()


def test_the_calendar_colours_each_day_by_mood_with_classes_and_text(patient_client, patient):
    today = patient.today()
    day = today - dt.timedelta(days=1)
    CheckInFactory(patient=patient, day=day, mood=3)

    response = patient_client.get(reverse("history_calendar"), {"year": day.year})
    body = response.content.decode()

    assert response.status_code == 200
    assert f'class="pixel mood-3" href="{reverse("checkin_day", args=[day])}"' in body
    assert f"{day.day} {day:%B}: mood 3" in body
    for n in range(11):
        assert f"mood-{n}" in body
    assert "not logged" in body
    assert "style=" not in body


@pytest.mark.parametrize("year", ["nonsense", "99999", "-5"])
def test_the_calendar_copes_with_a_strange_year(patient_client, year):
    assert patient_client.get(reverse("history_calendar"), {"year": year}).status_code == 200


def test_home_invites_a_check_in_then_shows_its_summary(patient_client, post_checkin, patient):
    before = patient_client.get(reverse("home")).content.decode()
    assert "Check in for today" in before

    post_checkin(mood="7", sleep_hours="7.5", activities=[str(Activity.objects.first().pk)])
    after = patient_client.get(reverse("home")).content.decode()

    assert "You&#x27;ve checked in today" in after or "You've checked in today" in after
    assert "mood <strong>7 out of 10</strong>" in after
    assert "7.5 hours of sleep" in after


def test_home_counts_the_streak_of_days_logged(patient_client, patient):
    today = patient.today()
    daily_history(patient, days=5, end=today - dt.timedelta(days=1))
    CheckInFactory(patient=patient, day=today - dt.timedelta(days=8))

    body = patient_client.get(reverse("home")).content.decode()
    assert "<strong>5 days in a row</strong>" in body

    CheckInFactory(patient=patient, day=today)
    assert (
        "<strong>6 days in a row</strong>" in patient_client.get(reverse("home")).content.decode()
    )


def test_home_says_kindly_when_there_is_no_streak(patient_client):
    assert "that&#x27;s okay" in patient_client.get(reverse("home")).content.decode() or (
        "that's okay" in patient_client.get(reverse("home")).content.decode()
    )


def test_the_patient_nav_has_the_journal_pages(patient_client):
    body = patient_client.get(reverse("home")).content.decode()
    for label in ("Check in", "History", "Sessions", "Questionnaires", "Safety plan"):
        assert f">{label}</a>" in body
    assert 'href="/help/"' in body


def test_visitors_still_get_the_welcome_page(client):
    body = client.get(reverse("home")).content.decode()
    assert "Create your journal" in body
    assert CheckIn.objects.count() == 0


def test_days_too_old_to_change_are_listed_without_an_edit_link(patient_client, patient):
    old = patient.today() - dt.timedelta(days=400)
    CheckInFactory(patient=patient, day=old, mood=4)
    body = patient_client.get(reverse("history")).content.decode()
    assert "Mood 4 out of 10" in body
    assert reverse("checkin_day", args=[old]) not in body
