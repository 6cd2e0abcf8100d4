import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_patient_changes_time_zone_and_reminder(patient_client, patient):
    response = patient_client.post(
        reverse("profile_settings"),
        {
            "display_name": "Sam",
            "time_zone": "Asia/Tokyo",
            "reminder_enabled": "on",
            "reminder_time": "07:30",
            "weekly_email_enabled": "on",
        },
    )

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.time_zone == "Asia/Tokyo"
    assert patient.reminder_time.strftime("%H:%M") == "07:30"
    assert patient.questionnaire_reminder_enabled is False


def test_an_unknown_time_zone_gets_a_clear_error(patient_client, patient):
    response = patient_client.post(
        reverse("profile_settings"),
        {"display_name": "Sam", "time_zone": "Nowhere/Land", "reminder_time": "20:00"},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    patient.refresh_from_db()
    assert patient.time_zone == "Europe/London"


def test_settings_need_a_login(client):
    response = client.get(reverse("profile_settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
