import re

import pytest
from django.core import mail

from accounts.models import User
from tests.e2e.conftest import log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_patient_signs_up_verifies_and_logs_in(page, live_server):
    page.goto("/accounts/signup/")
    page.get_by_label("Email:", exact=True).fill("browser.person@example.test")
    page.get_by_label("Password:", exact=True).fill("tidal-pools-at-dawn-42")
    page.get_by_label("What should we call you? (optional):", exact=True).fill("Ari")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")

    user = User.objects.get(email="browser.person@example.test")
    assert user.time_zone == "UTC" or "/" in user.time_zone  # filled from the browser
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body)
    page.goto(link.group(1))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Hello, Ari").is_visible()

    log_out(page)
    page.wait_for_url("**/accounts/login/")
    page.get_by_label("Email:", exact=True).fill("browser.person@example.test")
    page.get_by_label("Password:", exact=True).fill("tidal-pools-at-dawn-42")
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("link", name="Need help now?").is_visible()
