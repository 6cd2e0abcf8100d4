"""Nothing typed is lost (static/js/drafts.js) and the idle warning (static/js/idle-warning.js),
in a real browser: a session that ends while someone writes sends them to sign in and back to
what they wrote; a warning before the idle timeout lets them stay, by keyboard."""

from urllib.parse import urlparse

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from journal.models import CheckIn, SafetyPlan
from tests.e2e.conftest import choose_mood, log_in, log_out
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Walked by the river; the heron was back."


def drafts(page) -> list[str]:
    return page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('tideline-draft:'))"
    )


def end_every_session() -> None:
    Session.objects.all().delete()  # as the idle timeout would


def test_a_check_in_note_survives_the_session_ending_and_is_saved_after_signing_in(page):
    patient = UserFactory()
    log_in(page, patient.email)
    page.goto(reverse("checkin"))
    choose_mood(page, 7)
    page.locator("details.more summary").click()
    page.get_by_label("A note for yourself").fill(NOTE)
    assert drafts(page) != []

    end_every_session()
    page.get_by_role("button", name="Save check-in").click()

    page.wait_for_url("**/accounts/login/**")
    assert not CheckIn.objects.exists()
    page.get_by_label("Email:", exact=True).fill(patient.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url("**/checkin/**")

    notice = page.locator(".draft-notice")
    assert "We kept what you were writing" in notice.inner_text()
    assert page.get_by_label("A note for yourself").input_value() == NOTE
    assert page.locator("[data-mood-range]").get_attribute("aria-valuetext").startswith("7 out")

    page.get_by_role("button", name="Save check-in").click()
    page.wait_for_url(lambda url: urlparse(url).path == "/")
    checkin = CheckIn.objects.get(patient=patient)
    assert (checkin.mood, checkin.note) == (7, NOTE)
    assert drafts(page) == []  # saved: nothing kept on the phone


def test_someone_else_signing_in_never_sees_the_draft(page):
    writer, other = UserFactory(), UserFactory()
    log_in(page, writer.email)
    page.goto(reverse("safety_plan_edit"))
    page.locator("textarea").first.fill("Call my sister")
    end_every_session()

    log_in(page, other.email)
    page.goto(reverse("safety_plan_edit"))

    assert page.locator(".draft-notice").count() == 0
    assert page.locator("textarea").first.input_value() == ""
    assert drafts(page) == []
    assert not SafetyPlan.objects.exists()


def test_discarding_a_kept_draft_puts_the_form_back(page):
    patient = UserFactory()
    log_in(page, patient.email)
    page.goto(reverse("safety_plan_edit"))
    page.locator("textarea").first.fill("Call my sister")

    page.reload()
    page.get_by_role("button", name="Discard what was kept").click()

    assert page.locator("textarea").first.input_value() == ""
    assert drafts(page) == []


def test_signing_out_clears_drafts(page):
    patient = UserFactory()
    log_in(page, patient.email)
    page.goto(reverse("safety_plan_edit"))
    page.locator("textarea").first.fill("Call my sister")
    assert drafts(page) != []

    log_out(page)
    page.wait_for_url("**/accounts/login/")

    assert drafts(page) == []


def test_the_idle_warning_lets_a_keyboard_user_stay_signed_in(page, settings):
    settings.SESSION_COOKIE_AGE = 8
    settings.SESSION_REFRESH_INTERVAL = 1
    patient = UserFactory()
    log_in(page, patient.email)
    page.goto(reverse("checkin"))

    dialog = page.locator("dialog#idle-warning")
    dialog.wait_for(state="visible", timeout=10_000)
    assert "Still there?" in dialog.inner_text()
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Stay signed in"
    page.keyboard.press("Enter")
    dialog.wait_for(state="hidden")

    page.wait_for_timeout(4_500)  # past the first deadline: still signed in
    assert (
        page.evaluate("async () => (await fetch('/history/', {redirect: 'manual'})).status") == 200
    )


def test_the_idle_warning_says_when_the_session_has_ended(page, settings):
    settings.SESSION_COOKIE_AGE = 6
    settings.SESSION_REFRESH_INTERVAL = 1
    patient = UserFactory()
    log_in(page, patient.email)
    page.goto(reverse("history"))

    ended = page.locator("dialog#idle-warning [data-idle-ended]")
    ended.wait_for(state="visible", timeout=12_000)
    assert "You were signed out" in ended.inner_text()
    assert "Sign in again" in ended.inner_text()
