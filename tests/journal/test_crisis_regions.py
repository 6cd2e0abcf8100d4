"""Crisis lines by country on the pages: the help page (signed in or out), Settings, and the
safety flow."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import CareUserFactory, UserFactory
from tests.journal.conftest import checkin_post

pytestmark = pytest.mark.django_db


def test_signed_out_the_help_page_shows_the_deployment_lines_and_lets_you_pick_a_country(client):
    body = client.get(reverse("need_help_now")).content.decode()

    assert "988 Suicide &amp; Crisis Lifeline" in body
    assert 'href="tel:988"' in body
    assert 'method="get"' in body  # signed out: the choice is for this visit only
    assert '<option value="GB"' in body

    uk = client.get(reverse("need_help_now"), {"country": "GB"}).content.decode()
    assert "Samaritans" in uk
    assert 'href="tel:116123"' in uk
    assert 'href="sms:85258?&amp;body=SHOUT"' in uk
    assert "988" not in uk


def test_an_unknown_country_in_the_address_shows_the_default_lines(client):
    body = client.get(reverse("need_help_now"), {"country": "XX<script>"}).content.decode()
    assert 'href="tel:988"' in body
    assert "XX&lt;script" not in body and "XX<script" not in body


def test_elsewhere_points_to_the_international_directory(client):
    body = client.get(reverse("need_help_now"), {"country": "ZZ"}).content.decode()
    assert 'href="https://findahelpline.com/"' in body
    assert 'href="tel:112"' in body


def test_a_patient_chooses_a_country_on_the_help_page_and_it_is_remembered(client):
    patient, other = UserFactory(), UserFactory()
    client.force_login(patient)

    response = client.post(reverse("help_country"), {"country": "AU"})

    assert response.status_code == 302
    assert response["Location"] == reverse("need_help_now")
    patient.refresh_from_db()
    other.refresh_from_db()
    assert (patient.country, other.country) == ("AU", "")
    body = client.get(reverse("need_help_now")).content.decode()
    assert 'href="tel:131114"' in body
    assert "Lifeline" in body
    client.force_login(other)
    assert 'href="tel:988"' in client.get(reverse("need_help_now")).content.decode()


def test_a_bad_country_posted_changes_nothing(client, patient):
    client.force_login(patient)
    client.post(reverse("help_country"), {"country": "Atlantis"})
    patient.refresh_from_db()
    assert patient.country == ""


def test_choosing_a_country_needs_a_sign_in(client):
    response = client.post(reverse("help_country"), {"country": "GB"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_saved_time_zone_suggests_a_country_until_one_is_chosen(client):
    patient = UserFactory(time_zone="Europe/Dublin")
    client.force_login(patient)

    body = client.get(reverse("need_help_now")).content.decode()
    assert "Your time zone suggests you are in Ireland" in body

    User.objects.filter(pk=patient.pk).update(country="US")
    body = client.get(reverse("need_help_now")).content.decode()
    assert "Your time zone suggests" not in body


def test_a_care_team_member_picks_a_country_too(client):
    member = CareUserFactory()
    client.force_login(member)
    client.post(reverse("help_country"), {"country": "NZ"})
    body = client.get(reverse("need_help_now")).content.decode()
    assert 'href="tel:1737"' in body


def test_settings_change_the_country_and_can_clear_it(client, patient):
    client.force_login(patient)
    page = client.get(reverse("profile_settings")).content.decode()
    assert "Country, for crisis lines" in page
    assert "Not chosen (United States lines)" in page
    data = {
        "display_name": "Robin",
        "time_zone": "Europe/London",
        "reminder_time": "20:00",
        "reminder_enabled": "on",
    }

    client.post(reverse("profile_settings"), {**data, "country": "CA"})
    patient.refresh_from_db()
    assert patient.country == "CA"
    client.post(reverse("profile_settings"), {**data, "country": ""})
    patient.refresh_from_db()
    assert patient.country == ""
    bad = client.post(reverse("profile_settings"), {**data, "country": "FR"})
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.content.decode()


def test_the_safety_flow_shows_the_patient_s_country_lines(client):
    patient = UserFactory(country="IE")
    client.force_login(patient)

    response = client.post(reverse("checkin"), checkin_post(mood="1", self_harm_thoughts="yes"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Pieta" in body
    assert 'href="tel:1800247247"' in body
    assert 'href="sms:51444?&amp;body=HELP"' in body
