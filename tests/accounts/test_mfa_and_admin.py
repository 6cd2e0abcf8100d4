import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from tests.factories import PASSWORD, CareUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def current_code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format(hotp_value(secret, counter), "06d")


def test_login_with_totp_asks_for_the_code(client, patient):
    secret = generate_totp_secret()
    TOTP.activate(patient, secret)

    response = client.post(reverse("account_login"), {"login": patient.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("profile_settings")).status_code == 302  # not in yet

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "Incorrect code" in wrong.content.decode()

    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert client.get(reverse("profile_settings")).status_code == 200


def test_recovery_codes_can_be_set_up_once_totp_is_on(client, patient):
    TOTP.activate(patient, generate_totp_secret())
    client.force_login(patient)
    response = client.get(reverse("mfa_index"))
    assert response.status_code == 200
    assert Authenticator.objects.filter(user=patient, type=Authenticator.Type.TOTP).exists()


def test_turning_on_mfa_asks_to_reauthenticate_after_the_timeout(client, patient, settings):
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    client.post(reverse("account_login"), {"login": patient.email, "password": PASSWORD})

    response = client.get(reverse("mfa_activate_totp"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_admin_is_for_staff_only(client, patient):
    assert client.get("/admin/").status_code == 302
    client.force_login(patient)
    response = client.get("/admin/", follow=True)
    assert b"Tideline administration" not in response.content
    assert response.status_code in (200, 403)


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_can_search_filter_and_deactivate_accounts(client):
    admin_user = CareUserFactory(is_staff=True, is_superuser=True)
    target = UserFactory(email="deactivate.me@example.test")
    UserFactory(email="unverified.person@example.test", verified=False)
    client.force_login(admin_user)

    found = client.get("/admin/accounts/user/", {"q": "deactivate.me"})
    assert found.status_code == 200
    assert b"deactivate.me@example.test" in found.content

    unverified = client.get("/admin/accounts/user/", {"verified": "no", "role__exact": "patient"})
    assert b"unverified.person@example.test" in unverified.content
    assert b"deactivate.me@example.test" not in unverified.content

    client.post(
        "/admin/accounts/user/",
        {"action": "deactivate", "_selected_action": [target.pk]},
    )
    target.refresh_from_db()
    assert not target.is_active
    assert client.post(
        reverse("account_login"), {"login": target.email, "password": PASSWORD}
    ).status_code in (200, 302)
    assert not target.is_active


def test_admins_cannot_delete_or_edit_the_email_delivery_log(client):
    """A deleted delivery row would let the same reminder or alert go out again."""
    from accounts.models import EmailDelivery

    admin_user = CareUserFactory(is_staff=True, is_superuser=True)
    row = EmailDelivery.objects.create(
        recipient=UserFactory(), kind="checkin_reminder", period="2026-11-24", status="sent"
    )
    client.force_login(admin_user)

    assert client.get(f"/admin/accounts/emaildelivery/{row.pk}/delete/").status_code == 403
    client.post(f"/admin/accounts/emaildelivery/{row.pk}/delete/", {"post": "yes"})
    assert EmailDelivery.objects.filter(pk=row.pk).exists()
    assert client.get("/admin/accounts/emaildelivery/").status_code == 200
