"""The server's side of the installable app: the shell's pages are public and hold nothing
about anyone, and a check-in queued on a phone is saved through the same path as the form,
answered in a word the phone's script can act on."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from journal.models import CheckIn
from tests.factories import CheckInFactory

pytestmark = pytest.mark.django_db
QUEUED = {"HTTP_X_TIDELINE_QUEUE": "1"}


def send_queued(client, day, **fields):
    data = {"version": "0", "mood": "6", "note": "", **fields}
    return client.post(reverse("checkin_day", args=[day]), data, **QUEUED)


def test_a_queued_check_in_is_saved_once_whatever_the_retries(patient_client, patient):
    day = patient.today() - dt.timedelta(days=2)

    first = send_queued(patient_client, day, mood="3", note="on the train")
    again = send_queued(patient_client, day, mood="3", note="on the train")  # tab closed, resent

    assert first.json()["status"] == again.json()["status"] == "saved"
    [checkin] = CheckIn.objects.filter(patient=patient)
    assert (checkin.day, checkin.mood, checkin.note, checkin.version) == (day, 3, "on the train", 1)


def test_a_day_saved_elsewhere_meanwhile_is_stale_and_left_alone(patient_client, patient):
    CheckInFactory(patient=patient, day=patient.today(), mood=2)

    answer = send_queued(patient_client, patient.today(), mood="9").json()

    assert (answer["status"], answer["version"]) == ("stale", 1)
    assert CheckIn.objects.get(patient=patient).mood == 2
    resent = send_queued(patient_client, patient.today(), mood="9", version="1").json()
    assert resent["status"] == "saved"  # the person chose their phone's entry
    assert CheckIn.objects.get(patient=patient).mood == 9


@pytest.mark.parametrize(
    ("days_ago", "fields", "reason"),
    [
        (-1, {}, "hasn't happened yet"),
        (400, {}, "can't be added or changed"),
        (0, {"mood": "11"}, "from 0 to 10"),
    ],
)
def test_a_queued_check_in_the_form_would_refuse_is_refused_with_the_reason(
    patient_client, patient, days_ago, fields, reason
):
    answer = send_queued(patient_client, patient.today() - dt.timedelta(days=days_ago), **fields)

    assert answer.status_code == 200
    assert answer.json()["status"] == "refused" and reason in answer.json()["message"]
    assert not CheckIn.objects.exists()


def test_a_yes_to_the_self_harm_question_tells_the_phone_to_show_help(patient_client, patient):
    answer = send_queued(patient_client, patient.today(), self_harm_thoughts="yes").json()

    assert (answer["status"], answer["safety"]) == ("saved", True)


def test_a_queued_check_in_needs_the_session_and_the_csrf_token(patient, other_patient):
    signed_out = send_queued(Client(), patient.today())
    assert signed_out.status_code == 302 and reverse("account_login") in signed_out["Location"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(patient)
    assert send_queued(strict, patient.today()).status_code == 403
    other = Client()
    other.force_login(other_patient)
    send_queued(other, patient.today())  # lands in the other patient's own journal
    assert list(CheckIn.objects.values_list("patient", flat=True)) == [other_patient.pk]


def test_the_shell_is_public_and_holds_nothing_about_the_visitor(patient_client, patient):
    CheckInFactory(patient=patient, day=patient.today(), note="private words")

    offline = patient_client.get(reverse("offline")).content.decode()
    manifest = patient_client.get(reverse("app_manifest")).json()
    worker = patient_client.get(reverse("service_worker"))

    assert "You're offline" in offline and "988" in offline
    for secret in ("private words", patient.email, patient.display_name, "Log out"):
        assert secret not in offline
    assert (manifest["start_url"], manifest["display"]) == ("/", "standalone")
    assert worker["Service-Worker-Allowed"] == "/"
    assert reverse("offline") in worker.content.decode()
    for name in ("offline", "app_manifest", "service_worker"):
        assert Client().get(reverse(name)).status_code == 200  # signed out too


def test_signing_out_tells_the_browser_to_forget_what_the_site_stored(patient_client):
    response = patient_client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "_auth_user_id" not in patient_client.session
