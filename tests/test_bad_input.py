"""Inputs that gave 500s or lost or doubled data: each gets a clear message, and nothing else."""

import datetime as dt
import html
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from careteam.models import Invitation, Membership, Share
from journal.models import QuestionnaireResponse, TreatmentSession
from tests.factories import CareUserFactory, MembershipFactory, ShareFactory
from tests.services import require_postgres

pytestmark = pytest.mark.django_db


# --- A share's last day ---


def test_a_last_day_of_9999_12_31_is_a_form_error_not_a_crash(patient_client, patient):
    share = ShareFactory(patient=patient)
    response = patient_client.post(
        reverse("careteam:share_update", args=[share.pk]),
        {f"share{share.pk}-scope_trends": "on", f"share{share.pk}-expires_on": "9999-12-31"},
    )
    assert response.status_code == 200
    assert "Choose a date in the next ten years" in response.content.decode()
    share.refresh_from_db()
    assert share.expires_on is None


def test_a_last_day_within_ten_years_is_kept_and_one_after_is_refused(patient_client, patient):
    share = ShareFactory(patient=patient)
    url = reverse("careteam:share_update", args=[share.pk])
    within = patient.today() + dt.timedelta(days=3650)
    beyond = patient.today() + dt.timedelta(days=10 * 366 + 2)

    patient_client.post(
        url, {f"share{share.pk}-scope_trends": "on", f"share{share.pk}-expires_on": beyond}
    )
    share.refresh_from_db()
    assert share.expires_on is None
    response = patient_client.post(
        url, {f"share{share.pk}-scope_trends": "on", f"share{share.pk}-expires_on": within}
    )
    assert response.status_code == 302
    share.refresh_from_db()
    assert share.expires_on == within


# --- Invitation addresses ---


@pytest.mark.parametrize("length", [255, 290, 320])
def test_an_invitation_address_longer_than_email_allows_is_a_form_error(length):
    admin = CareUserFactory()
    team = MembershipFactory(user=admin, role=Membership.Role.TEAM_ADMIN).team
    client = Client()
    client.force_login(admin)
    domain = ".".join(["b" * 60] * 4) + ".test"
    address = "a" * (length - len(domain) - 1) + "@" + domain
    assert len(address) == length

    response = client.post(
        reverse("careteam:team", kwargs={"team_id": team.pk}),
        {"action": "member", "email": address, "role": "coach"},
    )

    assert response.status_code == 200
    assert "longer than any email address can be" in response.content.decode()
    assert not Invitation.objects.exists()


# --- Text encodings ---


def csrf_client(*, user=None) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    client.get(reverse("account_login") if user is None else reverse("checkin"))
    return client, client.cookies["csrftoken"].value


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "cp500", "shift_jis"])
@pytest.mark.parametrize("signed_in", [False, True])
def test_a_form_in_another_text_encoding_gets_a_clear_400_page(charset, signed_in, patient):
    client, token = csrf_client(user=patient if signed_in else None)
    url = reverse("checkin") if signed_in else reverse("account_login")
    for content_type, body in [
        (
            f"application/x-www-form-urlencoded; charset={charset}",
            f"csrfmiddlewaretoken={token}&login=a%FF&mood=5".encode(),
        ),
        (
            f"multipart/form-data; boundary=xx; charset={charset}",
            b'--xx\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            + token.encode()
            + b'\r\n--xx\r\nContent-Disposition: form-data; name="mood"\r\n\r\n5\xff\r\n--xx--\r\n',
        ),
    ]:
        response = client.generic("POST", url, body, content_type=content_type)
        assert response.status_code == 400, content_type
        page = html.unescape(response.content.decode())
        assert "text encoding we can't read" in page
        assert "Nothing you saved earlier has been lost" in page
    assert not patient.checkins.exists()


def test_utf8_declared_in_any_spelling_is_read_as_usual(patient):
    client, token = csrf_client(user=patient)
    response = client.generic(
        "POST",
        reverse("checkin"),
        f"csrfmiddlewaretoken={token}&mood=6&version=0".encode(),
        content_type="application/x-www-form-urlencoded; charset=UTF-8",
    )
    assert response.status_code in {200, 302}
    assert response.status_code != 400


# --- Double submits ---


def session_post(key, **fields):
    data = {
        "submission_key": str(key),
        "day": "2026-11-20",
        "time": "09:30",
        "kind": "iv",
        "dose": "",
        "provider": "",
        "intention": "",
        "insights": "",
    }
    data.update(fields)
    return data


def test_add_session_posted_eight_times_saves_one_session(patient_client, patient, other_patient):
    form = patient_client.get(reverse("session_add")).content.decode()
    assert 'name="submission_key"' in form
    key = uuid.uuid4()
    for _ in range(8):
        response = patient_client.post(reverse("session_add"), session_post(key))
        assert response.status_code == 302
    assert TreatmentSession.objects.filter(patient=patient).count() == 1

    # The key is the patient's own: another patient's form with the same key saves theirs.
    other = Client()
    other.force_login(other_patient)
    other.post(reverse("session_add"), session_post(key))
    assert TreatmentSession.objects.filter(patient=other_patient).count() == 1
    # And a new form (a new key) is a new session.
    patient_client.post(reverse("session_add"), session_post(uuid.uuid4()))
    assert TreatmentSession.objects.filter(patient=patient).count() == 2


@pytest.mark.django_db(transaction=True)
def test_eight_clicks_at_the_same_moment_save_one_session(patient):
    require_postgres()
    key = uuid.uuid4()
    start = threading.Barrier(8)
    statuses = []

    def click():
        client = Client()
        client.force_login(patient)
        start.wait()
        try:
            statuses.append(client.post(reverse("session_add"), session_post(key)).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert statuses == [302] * 8
    assert TreatmentSession.objects.filter(patient=patient).count() == 1


def test_editing_a_session_ignores_the_key(patient_client, patient):
    key = uuid.uuid4()
    patient_client.post(reverse("session_add"), session_post(key))
    session = TreatmentSession.objects.get(patient=patient)
    patient_client.post(
        reverse("session_edit", args=[session.pk]), session_post(key, insights="Softer now")
    )
    session.refresh_from_db()
    assert session.insights == "Softer now"
    assert TreatmentSession.objects.filter(patient=patient).count() == 1


# --- Questionnaires ---


@pytest.mark.parametrize("extra", [{"item_10": "3"}, {"item_0": "1"}, {"item_x": "2"}])
def test_answers_to_questions_the_questionnaire_lacks_are_refused(patient_client, extra):
    data = {f"item_{n}": "1" for n in range(1, 10)}
    data.update(extra, submission_key=str(uuid.uuid4()))

    response = patient_client.post(reverse("questionnaire_fill", args=["phq9"]), data)

    assert response.status_code == 200
    assert "answers don't match the questions" in html.unescape(response.content.decode())
    assert not QuestionnaireResponse.objects.exists()


def test_a_gad7_posted_with_exactly_its_seven_answers_is_scored(patient_client, patient):
    data = {f"item_{n}": "1" for n in range(1, 8)}
    data["submission_key"] = str(uuid.uuid4())
    response = patient_client.post(reverse("questionnaire_fill", args=["gad7"]), data)
    assert response.status_code == 302
    assert QuestionnaireResponse.objects.get(patient=patient).total == 7


# --- Large bodies ---


def big_upload(size: int) -> bytes:
    return (
        b'--xx\r\nContent-Disposition: form-data; name="file"; filename="daylio.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + b"x" * size + b"\r\n--xx--\r\n"
    )


def test_a_large_upload_from_someone_signed_out_is_refused_unread():
    response = Client().generic(
        "POST",
        reverse("account_login"),
        big_upload(200 * 1024),
        content_type="multipart/form-data; boundary=xx",
    )
    assert response.status_code == 413
    assert "Nothing was saved" in response.content.decode()


def test_a_signed_out_sign_in_form_is_well_under_the_limit(patient):
    response = Client().post(reverse("account_login"), {"login": patient.email, "password": "x"})
    assert response.status_code == 200  # the form again, with its error: not refused


def test_pages_without_an_upload_refuse_a_body_larger_than_forms_need(patient_client, settings):
    response = patient_client.generic(
        "POST",
        reverse("checkin"),
        big_upload(settings.MAX_FORM_BODY_BYTES),
        content_type="multipart/form-data; boundary=xx",
    )
    assert response.status_code == 413


def test_the_import_page_takes_its_own_larger_limit_for_patients_only(
    patient_client, settings, client
):
    settings.IMPORT_MAX_BYTES = 2 * settings.MAX_FORM_BODY_BYTES
    url = reverse("import_start")
    within = big_upload(settings.MAX_FORM_BODY_BYTES + 1000)
    response = patient_client.generic(
        "POST", url, within, content_type="multipart/form-data; boundary=xx"
    )
    assert response.status_code == 200  # read, and answered by the form (not a Daylio file)
    assert "Nothing was saved" not in response.content.decode()

    beyond = big_upload(settings.IMPORT_MAX_BYTES + 70 * 1024)
    response = patient_client.generic(
        "POST", url, beyond, content_type="multipart/form-data; boundary=xx"
    )
    assert response.status_code == 413

    clinician = Client()
    clinician.force_login(CareUserFactory())
    response = clinician.generic(
        "POST", url, within, content_type="multipart/form-data; boundary=xx"
    )
    assert response.status_code == 413


def test_the_import_limit_is_stated_on_its_page(patient_client, settings):
    page = patient_client.get(reverse("import_start")).content.decode()
    assert f"{settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB" in page


def test_share_rows_are_untouched_by_every_refusal(patient, patient_client):
    share = ShareFactory(patient=patient)
    before = Share.objects.values().get(pk=share.pk)
    patient_client.generic(
        "POST",
        reverse("careteam:share_update", args=[share.pk]),
        b"x=1",
        content_type="application/x-www-form-urlencoded; charset=latin-1",
    )
    assert Share.objects.values().get(pk=share.pk) == before
