"""Care-team members and staff see many patients' data: until they have an authenticator (an
authenticator app or a passkey) they reach only the enrolment pages, sign-out, the help page and
static files. Patients choose for themselves."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.checks import run_checks
from django.core.management import call_command
from django.urls import reverse

from accounts.checks import two_factor_required_in_production
from accounts.models import User
from tests.factories import (
    PASSWORD,
    CareUserFactory,
    MembershipFactory,
    ShareFactory,
    UserFactory,
    code_for_secret,
    reauthenticate,
    totp_code,
)

pytestmark = pytest.mark.django_db

ENROL = reverse("two_factor_required")


@pytest.fixture(autouse=True)
def _required(settings):
    settings.REQUIRE_TWO_FACTOR = True


@pytest.fixture
def shared_patient(db):
    return UserFactory()


def closed_pages(patient):
    return [
        reverse("home"),
        reverse("careteam:dashboard"),
        reverse("careteam:patient", kwargs={"public_id": patient.public_id}),
        reverse("profile_settings"),
        reverse("account_email"),
        "/admin/",
        "/admin/accounts/user/",
    ]


def member_of_a_team_sharing(patient, **account):
    member = CareUserFactory(**account)
    ShareFactory(patient=patient, team=MembershipFactory(user=member).team)
    return member


@pytest.mark.parametrize(
    "account",
    [{}, {"is_staff": True, "is_superuser": True}],
    ids=["care-team member", "staff superuser"],
)
def test_without_an_authenticator_every_page_leads_to_enrolment(
    client, shared_patient, account, fresh_heartbeats
):
    person = member_of_a_team_sharing(shared_patient, two_factor=False, **account)
    client.force_login(person)

    for url in closed_pages(shared_patient):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == ENROL, url
    assert client.post(reverse("careteam:dashboard")).status_code == 302

    enrol = client.get(ENROL)
    assert enrol.status_code == 200
    assert "Your account can see patients' data" in enrol.content.decode()
    assert client.get(reverse("mfa_activate_totp")).status_code in (200, 302)
    assert client.get(reverse("mfa_add_webauthn")).status_code in (200, 302)
    assert client.get(reverse("need_help_now")).status_code == 200
    assert client.get("/static/css/app.css").status_code == 200
    assert client.get("/healthz").status_code == 200
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "account",
    [{}, {"is_staff": True, "is_superuser": True}],
    ids=["care-team member", "staff superuser"],
)
def test_with_an_authenticator_the_pages_open(client, shared_patient, account):
    person = member_of_a_team_sharing(shared_patient, **account)
    assert Authenticator.objects.filter(user=person, type="totp").exists()
    client.force_login(person)

    assert client.get(reverse("careteam:dashboard")).status_code == 200
    patient_page = reverse("careteam:patient", kwargs={"public_id": shared_patient.public_id})
    assert client.get(patient_page).status_code == 200
    admin = client.get("/admin/")
    assert admin.status_code == (200 if account else 302)


def test_a_passkey_counts_as_an_authenticator(client, shared_patient):
    member = member_of_a_team_sharing(shared_patient, two_factor=False)
    Authenticator.objects.create(user=member, type=Authenticator.Type.WEBAUTHN, data={})
    client.force_login(member)

    assert client.get(reverse("careteam:dashboard")).status_code == 200


def test_recovery_codes_alone_do_not_count(client, shared_patient):
    member = member_of_a_team_sharing(shared_patient, two_factor=False)
    Authenticator.objects.create(user=member, type=Authenticator.Type.RECOVERY_CODES, data={})
    client.force_login(member)

    assert client.get(reverse("careteam:dashboard"))["Location"] == ENROL


def test_patients_are_not_asked(client, patient):
    client.force_login(patient)

    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("profile_settings")).status_code == 200


def test_with_the_setting_off_a_member_without_an_authenticator_gets_in(
    client, settings, shared_patient
):
    settings.REQUIRE_TWO_FACTOR = False
    member = member_of_a_team_sharing(shared_patient, two_factor=False)
    client.force_login(member)

    assert client.get(reverse("careteam:dashboard")).status_code == 200


def test_a_clinician_signs_in_with_a_password_sets_up_an_app_and_then_gets_in(
    client, shared_patient
):
    member = member_of_a_team_sharing(shared_patient, two_factor=False)

    signed_in = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert client.get(signed_in["Location"], follow=True).redirect_chain[-1][0] == ENROL

    asks_password = client.get(reverse("mfa_activate_totp"))
    assert asks_password["Location"].startswith(reverse("account_reauthenticate"))
    reauthenticate(client)  # allauth asks before every two-factor change, and may here
    form = client.get(reverse("mfa_activate_totp"))
    assert form.status_code == 200
    secret = client.session["mfa.totp.secret"]  # what the QR code on the page holds
    activated = client.post(reverse("mfa_activate_totp"), {"code": code_for_secret(secret)})
    assert activated.status_code == 302

    assert Authenticator.objects.filter(user=member, type="totp").exists()
    assert client.get(reverse("careteam:dashboard")).status_code == 200


def test_staff_land_on_the_admin_after_signing_in(client):
    staff = CareUserFactory(is_staff=True, is_superuser=True)

    first = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert first["Location"] == reverse("mfa_authenticate")
    second = client.post(reverse("mfa_authenticate"), {"code": totp_code(staff)})

    assert second.status_code == 302
    assert second["Location"] == reverse("admin:index")
    assert client.get(second["Location"]).status_code == 200


def test_a_clinician_still_lands_on_the_care_dashboard(client):
    member = CareUserFactory()

    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(member)})

    assert client.get(response["Location"], follow=True).redirect_chain[-1][0] == reverse(
        "careteam:dashboard"
    )


def test_a_superuser_made_with_createsuperuser_signs_in_at_once(client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", "--noinput", email="Root@Clinic.test", verbosity=0)
    root = User.objects.get(email="root@clinic.test")

    assert EmailAddress.objects.filter(user=root, email=root.email, verified=True).exists()
    response = client.post(reverse("account_login"), {"login": root.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")  # signed in: no "confirm your email"
    assert client.session["_auth_user_id"] == str(root.pk)
    # No authenticator yet: the admin waits until they enrol.
    assert client.get("/admin/")["Location"] == ENROL


def test_the_deploy_check_fails_when_production_turns_it_off(settings):
    settings.REQUIRE_TWO_FACTOR = False
    errors = two_factor_required_in_production(None)
    assert [e.id for e in errors] == ["tideline.E001"]
    assert "REQUIRE_TWO_FACTOR" in errors[0].msg
    assert "tideline.E001" in {m.id for m in run_checks(include_deployment_checks=True)}

    settings.REQUIRE_TWO_FACTOR = True
    assert two_factor_required_in_production(None) == []
    assert "tideline.E001" not in {m.id for m in run_checks(include_deployment_checks=True)}
    # Ordinary start-up checks never run it: the DEBUG demo may leave it off.
    settings.REQUIRE_TWO_FACTOR = False
    assert "tideline.E001" not in {m.id for m in run_checks()}


def test_the_enrolment_page_says_why_in_plain_words(client):
    member = CareUserFactory(two_factor=False)
    client.force_login(member)

    body = client.get(reverse("careteam:dashboard"), follow=True).content.decode()

    assert re.search(r"set up an authenticator app or a passkey", body, re.I)
