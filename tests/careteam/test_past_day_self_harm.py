"""A check-in filled in later for an earlier day asks about that day, and its "yes" to thoughts
of self-harm shows help at once but reaches the care team as a past day, not as happening now
(journal/signals.py SELF_HARM_CURRENT_DAYS)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from careteam import alerts
from careteam.selectors import dashboard_rows
from careteam.tasks import alert_care_teams_about_signal
from journal.forms import day_words
from journal.models import Signal
from journal.services import CheckInData, checkin_save
from journal.signals import SELF_HARM_CURRENT_DAYS, urgent_signals_rest
from journal.warning_words import for_patient, for_team
from tests.careteam.test_alerts import build_care_circle
from tests.journal.conftest import checkin_post

pytestmark = pytest.mark.django_db


def days_ago(patient, n: int) -> dt.date:
    return patient.today() - dt.timedelta(days=n)


@pytest.fixture
def circle(client):
    patient = build_care_circle()
    client.force_login(patient)
    return patient


def post_yes(client, day):
    return client.post(reverse("checkin_day", args=[day]), checkin_post(self_harm_thoughts="yes"))


def test_a_past_day_asks_about_that_day_throughout(client, circle):
    day = days_ago(circle, 3)
    words = day_words(day, today=circle.today())

    page = client.get(reverse("checkin_day", args=[day])).content.decode()

    assert f"How were you on {words}?" in page
    assert f"Mood on {words}" in page
    assert f"On {words}, did you have thoughts of hurting yourself" in page
    assert "More about that day" in page
    assert "Today, have you had thoughts" not in page
    assert "today" not in page.split("<main", 1)[1].split("</form>", 1)[0].lower()


def test_today_still_asks_about_today(client, circle):
    page = client.get(reverse("checkin")).content.decode()

    assert "How are you today?" in page
    assert "Today, have you had thoughts of hurting yourself" in page
    assert "More about today" in page


def test_a_day_from_another_year_names_its_year():
    assert day_words(dt.date(2025, 10, 25), today=dt.date(2026, 1, 2)) == "Saturday 25 October 2025"
    assert day_words(dt.date(2026, 10, 24), today=dt.date(2026, 12, 1)) == "Saturday 24 October"


def test_a_yes_for_a_past_day_shows_help_at_once_and_is_marked_past_for_the_team(
    client, circle, smtp_settings
):
    day = days_ago(circle, SELF_HARM_CURRENT_DAYS)  # the first day that counts as past
    words = day_words(day, today=circle.today())

    response = post_yes(client, day)

    assert response.status_code == 200  # help in this very response
    page = response.content.decode()
    assert "have to face this alone" in page
    assert f"on {words} you had thoughts of hurting yourself" in page
    card = Signal.objects.get(patient=circle)
    assert card.kind == Signal.Kind.PAST_CHECKIN
    assert not card.is_urgent
    # No alert email, now or from the sweep, and no urgent flag on the dashboard...
    assert alert_care_teams_about_signal(signal_id=card.pk) == 0
    assert card.pk not in list(alerts.signals_missing_alerts())
    assert smtp_settings.inbox.messages == []
    member = next(iter(alerts.care_alert_recipients(patient_id=circle.pk)))
    (row,) = dashboard_rows(viewer=member)
    assert not row.urgent
    # ...but the team sees it, worded as a past day.
    assert row.past_report
    assert "Thoughts of self-harm on a past day (not now)" in row.reasons
    team_words = for_team(card.kind, card.details, today=circle.today())
    assert words in team_words.text
    assert "not report it as happening now" in team_words.text
    patient_words = for_patient(card.kind, card.details, today=circle.today())
    assert "earlier day" in patient_words.title


def test_a_yes_for_yesterday_is_still_about_now(client, circle, smtp_settings):
    day = days_ago(circle, SELF_HARM_CURRENT_DAYS - 1)

    response = post_yes(client, day)

    assert response.status_code == 200
    card = Signal.objects.get(patient=circle)
    assert card.kind == Signal.Kind.URGENT_CHECKIN
    assert alert_care_teams_about_signal(signal_id=card.pk) == 2
    member = next(iter(alerts.care_alert_recipients(patient_id=circle.pk)))
    (row,) = dashboard_rows(viewer=member)
    assert row.urgent
    assert not row.past_report


def test_a_past_day_yes_and_a_yes_today_are_two_cards_and_only_today_is_urgent(client, circle):
    post_yes(client, days_ago(circle, 5))
    post_yes(client, circle.today())

    kinds = set(Signal.objects.filter(patient=circle).values_list("kind", flat=True))
    assert kinds == {Signal.Kind.PAST_CHECKIN, Signal.Kind.URGENT_CHECKIN}


def test_saving_the_same_past_day_again_reports_it_once(client, circle):
    day = days_ago(circle, 4)
    post_yes(client, day)
    client.post(
        reverse("checkin_day", args=[day]),
        checkin_post(version=1, self_harm_thoughts="yes", mood="3"),
    )

    card = Signal.objects.get(patient=circle)
    assert card.reports == 1


def test_saying_safe_now_rests_a_past_day_card_too(client, circle):
    post_yes(client, days_ago(circle, 6))

    client.post(reverse("safe_now"))

    card = Signal.objects.get(patient=circle)
    assert card.resolved_at is not None
    assert card.resolution == Signal.Resolution.SAFE_NOW
    member = next(iter(alerts.care_alert_recipients(patient_id=circle.pk)))
    (row,) = dashboard_rows(viewer=member)
    assert not row.past_report


def test_a_past_day_card_rests_after_calm_days_counted_from_when_it_was_told(
    client, circle, settings
):
    settings.SIGNAL_CALM_DAYS = 1
    today = circle.today()
    client.post(reverse("checkin_day", args=[days_ago(circle, 3)]), checkin_post(mood="6"))
    post_yes(client, days_ago(circle, 5))  # calm days after the 5th already exist: not counted
    card = Signal.objects.get(patient=circle)
    assert urgent_signals_rest(patient_id=circle.pk, today=today) == []

    with time_machine.travel(dt.timedelta(days=1)):
        tomorrow = circle.today()
        assert urgent_signals_rest(patient_id=circle.pk, today=tomorrow) == []  # no check-in
        checkin_save(patient=circle, day=tomorrow, data=CheckInData(mood=6))
        assert urgent_signals_rest(patient_id=circle.pk, today=tomorrow) == [card.pk]
