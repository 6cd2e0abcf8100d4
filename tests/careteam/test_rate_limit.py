"""Pages about one patient (/care/patients/...) are limited per account: nobody can walk ids,
or fill a patient's "Who viewed my data", at machine speed."""

import pytest
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse

from accounts.ratelimit import Rate, parse_rates, retry_after
from careteam.models import AccessEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit(settings):
    settings.CARE_PATIENT_PAGES_RATE_LIMIT = "5/m"


def trends(patient):
    return reverse("careteam:patient", kwargs={"public_id": patient.public_id})


def test_a_clinician_past_the_limit_gets_a_clear_429_and_nothing_is_logged(client, world, limit):
    client.force_login(world.clinician)
    statuses = [client.get(trends(world.patient)).status_code for _ in range(5)]

    response = client.get(
        reverse("careteam:patient_notes", kwargs={"public_id": world.patient.public_id})
    )

    assert statuses == [200] * 5
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    body = response.content.decode()
    assert "Too many tries for now" in body
    assert f"try again in {response['Retry-After']} second" in body
    assert world.patient.display_name not in body
    assert AccessEvent.objects.filter(viewer=world.clinician).count() == 5


def test_the_limit_is_per_account(client, world, limit):
    client.force_login(world.clinician)
    for _ in range(6):
        client.get(trends(world.patient))
    colleague = Client()
    colleague.force_login(world.out_of_scope)

    assert client.get(trends(world.patient)).status_code == 429
    assert colleague.get(trends(world.patient)).status_code == 200


def test_a_patient_probing_other_patients_is_stopped_too(client, world, limit):
    client.force_login(world.other_patient)
    statuses = [client.get(trends(world.patient)).status_code for _ in range(20)]

    assert statuses == [404] * 5 + [429] * 15
    assert AccessEvent.objects.filter(viewer=world.other_patient).count() == 5


def test_acknowledging_a_signal_counts_too(client, world, limit):
    client.force_login(world.clinician)
    url = reverse(
        "careteam:signal_acknowledge",
        kwargs={"public_id": world.patient.public_id, "signal_id": world.signal.pk},
    )
    statuses = [client.post(url).status_code for _ in range(6)]

    assert statuses == [302] * 5 + [429]


def test_the_default_leaves_room_for_a_busy_clinic_morning(client, world):
    client.force_login(world.clinician)

    statuses = {client.get(trends(world.patient)).status_code for _ in range(40)}

    assert statuses == {200}


def test_windows_start_afresh(settings):
    rates = [Rate(2, 60)]
    seen = [retry_after(name="t", who=1, rates=rates, now=120.0 + i) for i in range(3)]
    assert seen == [0, 0, 58]  # the third, at 122 s, waits for the window starting at 180 s
    assert retry_after(name="t", who=1, rates=rates, now=180.0) == 0
    assert retry_after(name="t", who=2, rates=rates, now=122.0) == 0


def test_rates_are_read_like_allauths():
    assert parse_rates("60/m, 600/h,10/5m") == [Rate(60, 60), Rate(600, 3600), Rate(10, 300)]
    with pytest.raises(ValueError, match="60/m"):
        parse_rates("sixty a minute")


def test_a_mistyped_limit_fails_the_start_up_checks(settings):
    settings.CARE_PATIENT_PAGES_RATE_LIMIT = "60 per minute"
    assert "tideline.E002" in {m.id for m in run_checks()}
    settings.CARE_PATIENT_PAGES_RATE_LIMIT = "60/m"
    assert "tideline.E002" not in {m.id for m in run_checks()}
