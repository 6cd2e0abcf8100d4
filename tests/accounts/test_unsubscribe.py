"""The unsubscribe link in every email: works without logging in, GET only asks, POST (also the
RFC 8058 one-click POST from a mail app, with no CSRF token) turns that one kind off."""

import datetime as dt
import html

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from accounts import unsubscribe
from accounts.schedule import reminder_schedule_refresh

pytestmark = pytest.mark.django_db


def link_path(user, kind):
    url = unsubscribe.unsubscribe_url(user=user, kind=kind)
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
    weekly_token = unsubscribe.unsubscribe_token(user=patient, kind="weekly_summary")
    path = reverse(
        "notification_unsubscribe", kwargs={"kind": "checkin_reminder", "token": weekly_token}
    )

    response = client.post(path)

    assert response.status_code == 404
    assert "This link doesn't work" in response.content.decode()
    patient.refresh_from_db()
    assert patient.reminder_enabled is True and patient.weekly_email_enabled is True


def test_an_edited_token_pointing_at_someone_else_is_refused(client, patient, other_patient):
    token = unsubscribe.unsubscribe_token(user=patient, kind="checkin_reminder")
    _, _, rest = token.partition(":")
    forged_value = signing.b64_encode(f'"{other_patient.public_id.hex}"'.encode()).decode()
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


def test_the_link_carries_only_the_signed_public_id_never_the_database_id(patient):
    url = unsubscribe.unsubscribe_url(user=patient, kind="checkin_reminder")
    token = url.rstrip("/").rsplit("/", 1)[1]

    assert "@" not in url and patient.email.split("@")[0] not in url
    value = signing.loads(token, salt="accounts.unsubscribe.checkin_reminder")
    assert value == patient.public_id.hex
    # The signed payload is the public id and nothing else.
    assert signing.b64_decode(token.split(":")[0].encode()) == f'"{patient.public_id.hex}"'.encode()


@pytest.mark.parametrize(
    ("kind", "days"),
    [
        (unsubscribe.CHECKIN_REMINDER, 45),
        (unsubscribe.INTEGRATION_REMINDER, 45),
        (unsubscribe.QUESTIONNAIRE_DUE, 90),
        (unsubscribe.WEEKLY_SUMMARY, 90),
    ],
)
def test_a_link_works_for_its_lifetime_and_then_kindly_says_it_has_expired(
    client, patient, kind, days, monkeypatch
):
    field = unsubscribe.PREFERENCES[kind][0]
    setattr(patient, field, True)
    patient.save(update_fields=[field])
    made_at = 1_790_000_000.0
    monkeypatch.setattr(signing.time, "time", lambda: made_at)
    path = link_path(patient, kind)

    monkeypatch.setattr(signing.time, "time", lambda: made_at + days * 86400 - 60)
    assert client.get(path).status_code == 200

    monkeypatch.setattr(signing.time, "time", lambda: made_at + days * 86400 + 60)
    response = client.post(path)
    assert response.status_code == 410
    page = html.unescape(response.content.decode())
    assert "This link has expired" in page and "Nothing has changed" in page
    assert reverse("profile_settings") in page
    patient.refresh_from_db()
    assert getattr(patient, field) is True


def test_a_link_from_before_public_ids_gets_a_kind_page_not_an_error(client, patient):
    old = signing.dumps(patient.pk, salt="accounts.unsubscribe.weekly_summary")
    path = reverse("notification_unsubscribe", kwargs={"kind": "weekly_summary", "token": old})

    for response in (client.get(path), client.post(path)):
        assert response.status_code == 410
        assert "Settings" in response.content.decode()
    patient.refresh_from_db()
    assert patient.weekly_email_enabled is True


@pytest.mark.parametrize("token", ["x", "a:b:c", "%", "e30:1:zz", "W10:1tXXXX:" + "A" * 43])
def test_tokens_that_are_not_ours_are_a_kind_404(client, patient, token):
    path = reverse("notification_unsubscribe", kwargs={"kind": "weekly_summary", "token": token})
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


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
