import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.demo import DEMO_CLINICIAN_EMAIL, DEMO_PATIENT_EMAIL
from accounts.models import User
from careteam.models import CareTeam, Membership, Share
from journal.access import Scope

pytestmark = pytest.mark.django_db


def test_the_demo_clinician_sees_the_demo_patient_at_harbour_clinic(settings, client):
    settings.DEBUG = True
    settings.REQUIRE_TWO_FACTOR = False  # its default when DEBUG is on, as in `make run`
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent

    team = CareTeam.objects.get(name="Harbour Clinic")
    patient = User.objects.get(email=DEMO_PATIENT_EMAIL)
    clinician = User.objects.get(email=DEMO_CLINICIAN_EMAIL)
    assert Membership.objects.filter(team=team, user=clinician).count() == 1
    share = Share.objects.active().get(patient=patient, team=team)
    assert share.scope == Scope.TRENDS
    assert Share.objects.count() == 1

    client.force_login(clinician)
    assert patient.display_name in client.get(reverse("careteam:dashboard")).content.decode()
    assert client.get(reverse("careteam:patient", args=[patient.public_id])).status_code == 200
    assert (
        client.get(reverse("careteam:patient_notes", args=[patient.public_id])).status_code == 404
    )


def test_seeding_again_after_the_patient_revoked_shares_again(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    Share.objects.update(revoked_at="2026-01-01T00:00:00Z")

    call_command("seed_demo")

    assert Share.objects.active().count() == 1
    assert Share.objects.count() == 2
