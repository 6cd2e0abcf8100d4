"""A trusted device ("Keep me signed in on this phone"), the absolute session lifetime and
"Sign out everywhere" (accounts/trusted.py)."""

import datetime as dt

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import TrustedDevice
from accounts.trusted import KEEP_REQUESTED, SIGNED_IN_AT, describe_device, session_hash, signed_in
from tests.accounts.test_mfa_and_admin import current_code
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


def sign_in(client, user, *, keep: bool, **headers):
    data = {"login": user.email, "password": PASSWORD}
    if keep:
        data["keep_signed_in"] = "on"
    response = client.post(reverse("account_login"), data, **headers)
    assert response.status_code == 302, response.content.decode()[:400]
    return response


def age_sign_in(client, seconds: float) -> None:
    session = client.session
    session[SIGNED_IN_AT] -= seconds
    session.save()


def stored_expiry(client) -> dt.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_the_sign_in_form_offers_the_box_unticked_in_plain_words(client):
    page = client.get(reverse("account_login")).content.decode()

    assert "Keep me signed in on this phone" in page
    assert 'name="keep_signed_in"' in page
    box = page[
        page.index('name="keep_signed_in"') - 200 : page.index('name="keep_signed_in"') + 200
    ]
    assert "checked" not in box
    assert "For 30 days you won't need to sign in here" in page
    assert "Remember Me" not in page


def test_without_the_box_the_session_ends_with_the_browser_and_no_device_is_kept(client, patient):
    sign_in(client, patient, keep=False)

    assert client.cookies["sessionid"]["max-age"] == ""
    assert not TrustedDevice.objects.exists()
    assert stored_expiry(client) <= timezone.now() + dt.timedelta(minutes=30)


def test_with_the_box_the_phone_stays_signed_in_for_thirty_days(client, patient):
    sign_in(client, patient, keep=True, HTTP_USER_AGENT=ANDROID_CHROME)

    cookie = client.cookies["sessionid"]
    assert cookie["expires"] != ""  # survives closing the browser
    expiry = stored_expiry(client)
    assert timezone.now() + dt.timedelta(days=29) < expiry <= timezone.now() + dt.timedelta(days=30)
    device = TrustedDevice.objects.get(user=patient)
    assert device.device == "Chrome on Android"
    assert device.session_hash == session_hash(client.session.session_key)

    # Activity does not pull the end back to "30 minutes from now".
    client.get(reverse("checkin"))
    assert stored_expiry(client) == expiry


def test_a_trusted_phone_opens_journal_pages_long_after_the_idle_and_absolute_limits(
    client, patient, settings
):
    sign_in(client, patient, keep=True)
    age_sign_in(client, settings.SESSION_ABSOLUTE_LIFETIME + 3 * 24 * 3600)

    assert client.get(reverse("checkin")).status_code == 200
    assert client.get(reverse("history")).status_code == 200


@pytest.mark.parametrize(
    ("method", "url_name"),
    [
        ("get", "profile_settings"),
        ("get", "data_export"),
        ("get", "account_delete"),
        ("get", "mfa_activate_totp"),
        ("post", "careteam:share_connect"),
    ],
)
def test_a_trusted_phone_still_asks_for_the_password_before_sensitive_pages(
    client, patient, settings, method, url_name
):
    sign_in(client, patient, keep=True)
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0  # the sign-in was a while ago

    response = getattr(client, method)(reverse(url_name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_settings_do_not_ask_again_in_a_session_that_is_not_remembered(client, patient, settings):
    sign_in(client, patient, keep=False)
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0

    assert client.get(reverse("profile_settings")).status_code == 200


def test_a_session_that_is_not_remembered_ends_at_the_absolute_lifetime(client, patient, settings):
    sign_in(client, patient, keep=False)
    limit = settings.SESSION_ABSOLUTE_LIFETIME
    assert limit == 12 * 3600

    age_sign_in(client, limit - 60)
    assert client.get(reverse("checkin")).status_code == 200  # busy all day: still in

    age_sign_in(client, 120)  # now a minute past the limit
    response = client.get(reverse("checkin"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("history")).status_code == 302  # signed out, not just this page


def test_an_abandoned_sign_in_with_the_box_ticked_does_not_trust_the_next_one(
    client, patient, other_patient, rf
):
    TOTP.activate(patient, generate_totp_secret())
    response = sign_in(client, patient, keep=True)
    assert response["Location"] == reverse("mfa_authenticate")  # walked away here
    left_behind = client.session
    assert left_behind[KEEP_REQUESTED] == str(patient.pk)

    # Someone else completes a sign-in in that browser (by a passkey, say): not trusted.
    request = rf.get("/")
    request.session = left_behind
    signed_in(request, other_patient)

    assert "_trusted_until" not in left_behind
    assert KEEP_REQUESTED not in left_behind
    assert not TrustedDevice.objects.exists()


def test_the_box_works_through_a_second_factor(client, patient):
    secret = generate_totp_secret()
    TOTP.activate(patient, secret)
    sign_in(client, patient, keep=True)

    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})

    assert TrustedDevice.objects.filter(user=patient).count() == 1
    assert stored_expiry(client) > timezone.now() + dt.timedelta(days=29)
    assert client.get(reverse("checkin")).status_code == 200


def test_signing_out_on_a_trusted_phone_forgets_it(client, patient):
    sign_in(client, patient, keep=True)

    client.post(reverse("account_logout"))

    assert not TrustedDevice.objects.exists()


def test_sign_out_everywhere_ends_every_session_of_that_person_only(
    patient, other_patient, settings
):
    phone, laptop, bystander = Client(), Client(), Client()
    sign_in(phone, patient, keep=True, HTTP_USER_AGENT=ANDROID_CHROME)
    sign_in(laptop, patient, keep=False)
    sign_in(bystander, other_patient, keep=True)

    settings_page = laptop.get(reverse("profile_settings")).content.decode()
    assert "Chrome on Android" in settings_page
    assert "Sign out everywhere" in settings_page

    response = laptop.post(reverse("sign_out_everywhere"))

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    for client in (phone, laptop):
        assert client.get(reverse("checkin")).status_code == 302
    assert bystander.get(reverse("checkin")).status_code == 200
    assert not TrustedDevice.objects.filter(user=patient).exists()
    assert TrustedDevice.objects.filter(user=other_patient).count() == 1
    patient.refresh_from_db()
    assert patient.signed_out_everywhere_at is not None

    # Signing in again afterwards works at once.
    sign_in(phone, patient, keep=False)
    assert phone.get(reverse("checkin")).status_code == 200


def test_sign_out_everywhere_works_with_a_session_store_that_cannot_be_listed(patient, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    phone, laptop = Client(), Client()
    sign_in(phone, patient, keep=True)
    sign_in(laptop, patient, keep=False)
    assert phone.get(reverse("checkin")).status_code == 200

    laptop.post(reverse("sign_out_everywhere"))

    assert phone.get(reverse("checkin")).status_code == 302


def test_sign_out_everywhere_needs_a_post(client, patient):
    sign_in(client, patient, keep=True)

    assert client.get(reverse("sign_out_everywhere")).status_code == 405
    assert TrustedDevice.objects.count() == 1


def test_the_access_log_lists_remembered_devices_and_offers_to_end_them(client, patient):
    sign_in(client, patient, keep=True, HTTP_USER_AGENT=ANDROID_CHROME)

    page = client.get(reverse("careteam:access_log")).content.decode()

    assert "Where you stay signed in" in page
    assert "Chrome on Android" in page
    assert "(this one)" in page
    assert reverse("sign_out_everywhere") in page


@pytest.mark.parametrize(
    ("agent", "words"),
    [
        (ANDROID_CHROME, "Chrome on Android"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox on Linux",
        ),
        ("", "A browser"),
    ],
)
def test_a_device_is_named_by_browser_and_system_only(agent, words):
    assert describe_device(agent) == words
