import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from accounts.demo import DEMO_CLINICIAN_EMAIL, DEMO_PASSWORD, DEMO_PATIENT_EMAIL
from accounts.models import User


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_accounts_can_sign_in(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")

    assert User.objects.filter(email__in=[DEMO_PATIENT_EMAIL, DEMO_CLINICIAN_EMAIL]).count() == 2
    assert EmailAddress.objects.filter(email=DEMO_PATIENT_EMAIL, verified=True).count() == 1
    assert User.objects.get(email=DEMO_CLINICIAN_EMAIL).role == User.Role.CARE
    response = client.post(
        "/accounts/login/", {"login": DEMO_PATIENT_EMAIL, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
