import pytest

from careteam.models import AccessEvent, Share
from tests.e2e.conftest import log_in, open_from_menu
from tests.factories import (
    PASSWORD,
    CareTeamFactory,
    CareUserFactory,
    CheckInFactory,
    MembershipFactory,
    ShareFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinician_page(browser, live_server):
    """A second phone, the clinician's, failing the test on any console error or CSP violation
    except the browser's own note that a page answered 404, which is what we expect to see."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text) if m.type == "error" and "status of 404" not in m.text else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    yield page
    context.close()
    assert not problems, problems


def test_patient_shares_by_code_clinician_sees_them_then_revocation_locks_them_out(
    page, clinician_page, live_server
):
    patient = UserFactory(display_name="Juniper", email="juniper@example.test")
    CheckInFactory(patient=patient, mood=4)
    team = CareTeamFactory(name="Harbour Clinic", join_code="HARB7K2M")
    clinician = CareUserFactory(email="dr.rivera@clinic.test")
    MembershipFactory(team=team, user=clinician)

    # The patient connects with the code the clinic gave them, confirming their password.
    log_in(page, patient.email)
    open_from_menu(page, "Sharing")
    page.get_by_label("Team code").fill("harb 7k2m")
    assert page.get_by_label("Trends and questionnaires").is_checked()
    assert not page.get_by_label("Daily notes and session insights").is_checked()
    page.get_by_role("button", name="Connect and share").click()
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.get_by_placeholder("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_text("You are now sharing with Harbour Clinic.").wait_for()
    assert Share.objects.active().filter(patient=patient, team=team).exists()

    # The clinician finds them on the dashboard and opens their page.
    log_in(clinician_page, clinician.email)
    clinician_page.wait_for_url("**/care/")
    clinician_page.get_by_role("link", name="Juniper").click()
    clinician_page.get_by_role("heading", name="Recent check-ins").wait_for()
    assert clinician_page.get_by_role("cell", name="4", exact=True).first.is_visible()
    patient_url = clinician_page.url

    # The patient stops sharing, in one step.
    page.get_by_role("button", name="Stop sharing with Harbour Clinic").click()
    page.get_by_text("You've stopped sharing with Harbour Clinic.").wait_for()

    # The clinician's very next request is refused.
    response = clinician_page.goto(patient_url)
    assert response.status == 404
    assert "Juniper" not in clinician_page.content()

    # And the patient can read who looked, in plain words.
    page.get_by_role("link", name="Who viewed my data").click()
    page.get_by_text("dr.rivera@clinic.test").first.wait_for()
    assert AccessEvent.objects.filter(viewer=clinician, patient=patient, allowed=False).exists()


def test_on_a_phone_the_dashboard_is_a_list_of_cards_with_no_sideways_scrolling(
    clinician_page,
):
    team = CareTeamFactory(name="Harbour Clinic")
    clinician = CareUserFactory(email="dr.okafor@clinic.test")
    MembershipFactory(team=team, user=clinician)
    for name in ("Juniper", "Rowan"):
        patient = UserFactory(display_name=name)
        CheckInFactory(patient=patient, mood=5)
        ShareFactory(patient=patient, team=team)

    log_in(clinician_page, clinician.email)
    clinician_page.wait_for_url("**/care/")

    first = clinician_page.get_by_role("row", name="Juniper")
    cell = first.get_by_role("cell").filter(has_text="None yet").first
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert "PHQ-9" in label
    widths = clinician_page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths  # nothing wider than the phone
    box = first.bounding_box()
    assert box["width"] <= 390
    # The column names are still there for screen readers, only out of sight.
    assert clinician_page.get_by_role("columnheader", name="Needs").count() == 1
    assert "{#" not in clinician_page.inner_text("main")
