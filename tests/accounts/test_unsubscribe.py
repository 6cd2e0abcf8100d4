"""The unsubscribe link in every email: works without logging in, GET only asks, POST (also the
RFC 8058 one-click POST from a mail app, with no CSRF token) turns that one kind off."""

import datetime as dt

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from accounts import unsubscribe
from accounts.schedule import reminder_schedule_refresh

pytestmark = pytest.mark.django_db


def link_path(user, kind):
    url = unsubscribe.unsubscribe_url(user_id=user.pk, kind=kind)
    return url.removeprefix("http://127.0.0.1:8000")


def test_opening_the_link_asks_first_and_changes_nothing(client, patient):
    response = client.get(link_path(patient, unsubscribe.WEEKLY_SUMMARY))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Stop the weekly email?" in page
    assert patient.email not in page
    patient.refresh_from_db()
    assert patient.weekly_email_enabled is True


def test_confirming_turns_off_only_that_kind_of_email(client, patient):
    response = client.post(link_path(patient, unsubscribe.WEEKLY_SUMMARY))

    assert response.status_code == 200
    assert "no more the weekly email" in response.content.decode()
    patient.refresh_from_db()
    assert patient.weekly_email_enabled is False
    assert patient.reminder_enabled is True
    assert patient.questionnaire_reminder_enabled is True


def test_a_mail_apps_one_click_post_works_without_a_csrf_token_or_login(patient):
    mail_app = Client(enforce_csrf_checks=True)

    response = mail_app.post(
        link_path(patient, unsubscribe.CHECKIN_REMINDER),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.reminder_enabled is False


def test_the_other_pages_still_demand_a_csrf_token(patient):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(patient)

    response = browser.post(reverse("profile_settings"), {"display_name": "x"})

    assert response.status_code == 403


def test_a_link_for_one_kind_cannot_turn_off_another(client, patient):
    weekly_token = unsubscribe.unsubscribe_token(user_id=patient.pk, kind="weekly_summary")
    path = reverse(
        "notification_unsubscribe", kwargs={"kind": "checkin_reminder", "token": weekly_token}
    )

    response = client.post(path)

    assert response.status_code == 404
    assert "This link doesn't work" in response.content.decode()
    patient.refresh_from_db()
    assert patient.reminder_enabled is True and patient.weekly_email_enabled is True


def test_an_edited_token_pointing_at_someone_else_is_refused(client, patient, other_patient):
    token = unsubscribe.unsubscribe_token(user_id=patient.pk, kind="checkin_reminder")
    _, _, rest = token.partition(":")
    forged_value = signing.b64_encode(str(other_patient.pk).encode()).decode()
    forged = f"{forged_value}:{rest}"
    path = reverse("notification_unsubscribe", kwargs={"kind": "checkin_reminder", "token": forged})

    response = client.post(path)

    assert response.status_code == 404
    other_patient.refresh_from_db()
    assert other_patient.reminder_enabled is True


def test_an_unknown_kind_is_a_kind_404(client, patient):
    path = reverse("notification_unsubscribe", kwargs={"kind": "everything", "token": "abc"})
    response = client.get(path)
    assert response.status_code == 404
    assert "Settings" in response.content.decode()


def test_the_link_carries_only_a_signed_user_id(patient):
    url = unsubscribe.unsubscribe_url(user_id=patient.pk, kind="checkin_reminder")
    token = url.rstrip("/").rsplit("/", 1)[1]

    assert "@" not in url and patient.email.split("@")[0] not in url
    assert signing.loads(token, salt="accounts.unsubscribe.checkin_reminder") == patient.pk


def test_turning_every_email_off_clears_the_schedule_and_one_back_on_restores_it(client, patient):
    reminder_schedule_refresh(user=patient)
    assert patient.next_reminder_at is not None
    for kind in unsubscribe.PREFERENCES:
        client.post(link_path(patient, kind))
    patient.refresh_from_db()
    assert patient.next_reminder_at is None

    client.force_login(patient)
    client.post(
        reverse("profile_settings"),
        {
            "display_name": "Sam",
            "time_zone": "UTC",
            "reminder_enabled": "on",
            "reminder_time": "09:15",
        },
    )
    patient.refresh_from_db()
    assert patient.next_reminder_at.time() == dt.time(9, 15)
