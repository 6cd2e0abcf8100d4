import datetime as dt

import pytest
from django.urls import reverse

from journal.models import SafetyPlan, TreatmentSession
from tests.factories import TreatmentSessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def session_post(**fields):
    data = {
        "day": "2026-11-20",
        "time": "09:30",
        "kind": "iv",
        "dose": "0.5 mg/kg",
        "provider": "Harbour Clinic",
        "intention": "Meet the heaviness with curiosity",
        "insights": "",
    }
    data.update(fields)
    return data


def test_a_patient_adds_a_session_in_their_own_time_zone(client):
    patient = UserFactory(time_zone="America/New_York")
    client.force_login(patient)
    day = patient.today() - dt.timedelta(days=2)

    response = client.post(reverse("session_add"), session_post(day=day.isoformat()))

    assert response.status_code == 302
    session = TreatmentSession.objects.get(patient=patient)
    assert session.day == day
    local = session.started_at.astimezone(patient.zoneinfo)
    assert (local.date(), local.hour, local.minute) == (day, 9, 30)
    assert session.intention == "Meet the heaviness with curiosity"
    listing = client.get(reverse("sessions")).content.decode()
    assert "IV infusion" in listing and "Meet the heaviness" in listing
    assert "09:30" in listing  # shown in the patient's zone, not UTC


def test_a_patient_edits_a_session_and_adds_insights(patient_client, patient):
    session = TreatmentSessionFactory(patient=patient)
    page = patient_client.get(reverse("session_edit", args=[session.pk]))
    assert page.status_code == 200

    day = patient.today().isoformat()
    patient_client.post(
        reverse("session_edit", args=[session.pk]),
        session_post(day=day, kind="oral", insights="A calm that stayed"),
    )

    session.refresh_from_db()
    assert (session.kind, session.insights) == ("oral", "A calm that stayed")
    assert TreatmentSession.objects.count() == 1


def test_another_patients_session_is_not_found(patient_client, other_patient):
    theirs = TreatmentSessionFactory(patient=other_patient, intention="private")
    assert patient_client.get(reverse("session_edit", args=[theirs.pk])).status_code == 404
    response = patient_client.post(
        reverse("session_edit", args=[theirs.pk]), session_post(intention="overwritten")
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.intention == "private"
    assert "private" not in patient_client.get(reverse("sessions")).content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "mushrooms"}, "Please choose a kind of session from the list."),
        ({"day": "yesterday"}, "Please enter a date"),
        ({"time": "25:99"}, "Please enter a time"),
        ({"day": "2090-01-01"}, "within the next year"),
        ({"day": "1990-01-01"}, "within the last ten years"),
    ],
)
def test_bad_session_input_gets_a_clear_error(patient_client, fields, message):
    response = patient_client.post(reverse("session_add"), session_post(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TreatmentSession.objects.exists()


def test_a_patient_writes_a_safety_plan_and_finds_it_on_the_help_page(patient_client, patient):
    response = patient_client.post(
        reverse("safety_plan_edit"),
        {
            "warning_signs": "Staying in bed past ten",
            "people_to_ask": "Jo: 555-0142",
            "reasons_for_living": "My dog, Pepper",
        },
    )

    assert response.status_code == 302
    plan = SafetyPlan.objects.get(patient=patient)
    assert plan.people_to_ask == "Jo: 555-0142"
    page = patient_client.get(reverse("safety_plan")).content.decode()
    assert "Step 1: My warning signs" in page and "Staying in bed past ten" in page
    assert "Step 7: What matters most to me" in page
    assert "data-print" in page
    help_page = patient_client.get(reverse("need_help_now")).content.decode()
    assert 'Jo: <a class="tappable" href="tel:5550142" aria-label="Call 555-0142">555-0142</a>' in (
        help_page
    )
    assert "988" in help_page


def test_saving_the_safety_plan_twice_keeps_one_plan(patient_client, patient):
    patient_client.post(reverse("safety_plan_edit"), {"warning_signs": "first"})
    patient_client.post(reverse("safety_plan_edit"), {"warning_signs": "second"})
    assert SafetyPlan.objects.get(patient=patient).warning_signs == "second"


def test_a_too_long_safety_plan_section_gets_a_clear_error(patient_client):
    response = patient_client.post(reverse("safety_plan_edit"), {"warning_signs": "x" * 3001})
    assert "under 3,000 characters" in response.content.decode()
    assert not SafetyPlan.objects.exists()


def test_the_help_page_offers_to_make_a_plan_when_there_is_none(patient_client):
    body = patient_client.get(reverse("need_help_now")).content.decode()
    assert "Make my safety plan" in body


def test_the_help_page_never_shows_someone_elses_plan(patient_client, other_patient):
    SafetyPlan.objects.create(patient=other_patient, people_to_ask="Their secret contact")
    assert (
        "Their secret contact" not in patient_client.get(reverse("need_help_now")).content.decode()
    )


def test_signed_out_the_help_page_shows_crisis_lines_and_no_plan(client):
    body = client.get(reverse("need_help_now")).content.decode()
    assert "988" in body
    assert "safety plan" not in body.lower()
