import pytest
from allauth.mfa.models import Authenticator

from tests.e2e.conftest import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_adds_a_security_key_and_then_needs_it_to_sign_in(page, patient, live_server):
    # Chromium's virtual authenticator stands in for a phone or security key.
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    log_in(page, patient.email, then=None)
    page.wait_for_url(f"{live_server.url}/")

    page.goto("/accounts/2fa/webauthn/add/")
    # Changing two-factor settings always asks for the password again first.
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/webauthn/add/")
    page.get_by_label("Name").fill("My phone")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: not url.endswith("/webauthn/add/"))
    assert Authenticator.objects.filter(user=patient, type=Authenticator.Type.WEBAUTHN).exists()

    page.context.clear_cookies()
    log_in(page, patient.email, then=None)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(lambda url: "/accounts/2fa/" not in url)
    assert page.get_by_role("link", name="More").is_visible()  # signed in: the tab bar
