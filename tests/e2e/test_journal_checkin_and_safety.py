import pytest
from playwright.sync_api import expect

from journal.models import CheckIn, QuestionnaireResponse, Signal
from tests.e2e.conftest import choose_mood, log_in
from tests.factories import UserFactory, builtin_activities

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_checks_in_then_a_phq9_with_item9_shows_crisis_help(page, live_server):
    builtin_activities()
    patient = UserFactory(email="browser.journal@example.test", display_name="Robin")
    log_in(page, patient.email)

    page.get_by_role("link", name="Check in", exact=True).click()
    choose_mood(page, 4)
    page.get_by_text("More about today (optional)").click()
    energy = page.get_by_label("Energy, 0 to 10")
    energy.focus()
    energy.press("ArrowRight")  # keyboard only: 5 -> 6, and the skip box unticks itself
    assert page.locator("#id_energy_out").inner_text() == "6"
    group = page.get_by_role("group", name="Energy", exact=True)
    assert not group.get_by_label("Not answered").is_checked()
    assert page.locator("#id_interest_out").inner_text() == "\u2013"
    page.get_by_label("Hours slept last night").fill("6.5")
    page.get_by_label("Time outdoors").check()
    page.get_by_role("button", name="Save check-in").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_text("Saved. Thank you for checking in today.")).to_be_visible()

    checkin = CheckIn.objects.get(patient=patient)
    assert (checkin.mood, checkin.energy, checkin.interest) == (4, 6, None)
    assert [a.name for a in checkin.activities.all()] == ["Time outdoors"]

    page.goto("/questionnaires/phq9/")
    for n in range(1, 9):
        page.get_by_role("group", name=f"{n}. ").get_by_label("Not at all").check()
    page.get_by_role("group", name="9. Thoughts that you would be better off dead").get_by_label(
        "Several days"
    ).check()
    page.get_by_role("button", name="Save my answers").click()

    heading = page.get_by_role("heading", name="You don't have to face this alone", exact=False)
    expect(heading.first).to_be_visible()
    expect(page.get_by_text("988 Suicide & Crisis Lifeline")).to_be_visible()
    expect(page.get_by_role("link", name="Make my safety plan")).to_be_visible()
    response = QuestionnaireResponse.objects.get(patient=patient)
    assert (response.total, response.item9) == (1, 1)
    assert Signal.objects.filter(patient=patient, kind="urgent_item9").count() == 1


def test_the_year_in_colour_and_safety_plan_render_under_the_csp(page, live_server):
    patient = UserFactory(email="browser.plan@example.test")
    log_in(page, patient.email)

    page.goto("/safety-plan/edit/")
    page.get_by_label("Step 4: People I can ask for help").fill("Jo: 555-0142")
    page.get_by_role("button", name="Save my safety plan").click()
    page.wait_for_url(f"{live_server.url}/safety-plan/")
    expect(page.get_by_text("Your safety plan is saved.")).to_be_visible()
    page.get_by_role("banner").get_by_role("link", name="Need help now?").click()
    page.wait_for_url(f"{live_server.url}/help/")
    expect(page.get_by_text("Jo: 555-0142")).to_be_visible()

    page.goto("/history/calendar/")
    expect(page.locator(".month-grid").first).to_be_visible()  # on a phone: a month at a time
    page.set_viewport_size({"width": 1024, "height": 800})
    expect(page.get_by_role("table")).to_be_visible()  # wider: the year's table
