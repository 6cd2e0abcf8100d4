import pytest

from accounts.models import User
from journal.models import CheckIn
from tests.e2e.conftest import log_in, open_from_menu
from tests.factories import PASSWORD, CheckInFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_downloads_their_journal_then_deletes_their_account(page):
    patient = UserFactory(email="wren@example.test")
    CheckInFactory(patient=patient, mood=3, note="Walked to the harbour and back.")

    log_in(page, patient.email)
    open_from_menu(page, "Settings")
    page.get_by_role("link", name="Download everything you have written in Tideline").click()
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.get_by_placeholder("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Download your data").wait_for()

    with page.expect_download() as download:
        page.get_by_role("button", name="Download check-ins (CSV)").click()
    saved = download.value
    assert saved.suggested_filename.startswith("tideline-")
    with open(saved.path(), encoding="utf-8") as f:
        assert "Walked to the harbour and back." in f.read()

    page.get_by_role("link", name="Back to settings").click()
    page.get_by_role("link", name="Delete your account and journal").click()
    page.get_by_label("I understand that this deletes my journal for good").check()
    page.get_by_role("button", name="Delete my account and journal").click()
    page.get_by_role("heading", name="Your account is deleted").wait_for()

    assert not User.objects.filter(email="wren@example.test").exists()
    assert not CheckIn.objects.exists()
