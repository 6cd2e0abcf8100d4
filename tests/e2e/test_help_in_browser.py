"""Tappable help in a real browser: every number on "Need help now?" is a link a phone can act
on (tel: or sms:), big enough to tap, for every country's lines, a care team's note and the
patient's own safety plan."""

import re

import pytest

from accounts.countries import COUNTRIES
from journal.models import SafetyPlan
from tests.e2e.conftest import log_in
from tests.factories import CareTeamFactory, ShareFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in the page: every number left outside a link, and every tel:/sms: link with its size.
AUDIT = """
(root) => {
  const loose = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    // A line's name ("988 Suicide & Crisis Lifeline") is its name; its number follows it, as
    // a link, in the same item.
    if (node.parentElement.closest("a, option, select, script, .line-name")) continue;
    const found = node.textContent.match(/\\d[\\d ().-]{1,}\\d/g) || [];
    for (const text of found) {
      if (text.replace(/\\D/g, "").length >= 3) loose.push(text);
    }
  }
  const links = [...root.querySelectorAll('a[href^="tel:"], a[href^="sms:"]')].map((a) => {
    const box = a.getBoundingClientRect();
    return {href: a.getAttribute("href"), text: a.textContent, height: box.height,
            visible: box.width > 0 && box.height > 0};
  });
  return {loose, links};
}
"""


def audit(page):
    result = page.locator("main").evaluate(AUDIT)
    assert result["loose"] == [], f"numbers that cannot be tapped: {result['loose']}"
    assert result["links"], "no tappable numbers at all"
    for link in result["links"]:
        assert link["visible"], link
        assert link["height"] >= 44, link  # a finger-sized target (WCAG 2.5.5)
        digits = re.sub(r"\D", "", link["href"].split("?")[0])
        assert digits and digits in re.sub(r"\D", "", link["text"]) + digits, link
    return result["links"]


def test_every_number_on_the_help_page_is_tappable_in_every_country(page, live_server):
    page.goto("/help/")
    hrefs = {link["href"] for link in audit(page)}
    assert {"tel:988", "sms:988", "sms:741741?&body=HOME", "tel:911"} <= hrefs
    for code, _ in COUNTRIES:
        page.goto(f"/help/?country={code}")
        audit(page)


def test_a_patient_s_plan_and_team_note_are_tappable_and_the_country_is_chosen_there(
    page, live_server
):
    patient = UserFactory(email="browser.help@example.test", time_zone="Europe/London")
    team = CareTeamFactory(name="Harbour Clinic", crisis_note="Our nurse: 0161 496 0000")
    ShareFactory(patient=patient, team=team)
    SafetyPlan.objects.create(
        patient=patient, people_to_ask="Jo: 07700 900123", professionals="Dr Amin, 0161 496 0999"
    )
    log_in(page, patient.email)

    page.goto("/help/")
    hrefs = {link["href"] for link in audit(page)}
    assert {"tel:01614960000", "tel:07700900123", "tel:01614960999", "tel:988"} <= hrefs

    # The saved time zone suggests the UK; one tap shows (and remembers) its lines.
    page.get_by_role("button", name="Show lines for United Kingdom").click()
    page.wait_for_url(f"{live_server.url}/help/")
    hrefs = {link["href"] for link in audit(page)}
    assert "tel:116123" in hrefs
    patient.refresh_from_db()
    assert patient.country == "GB"

    page.get_by_label("Show crisis lines for").select_option("NZ")
    page.get_by_role("button", name="Show and remember").click()
    page.wait_for_url(f"{live_server.url}/help/")
    assert "tel:1737" in {link["href"] for link in audit(page)}
    patient.refresh_from_db()
    assert patient.country == "NZ"


def test_signed_out_the_browser_s_time_zone_suggests_a_country(browser, live_server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        base_url=live_server.url,
        timezone_id="Australia/Sydney",
        locale="en-AU",
    )
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto("/help/")
        hint = page.get_by_text("Your device suggests Australia.")
        hint.wait_for()
        page.get_by_role("button", name="Show lines for there").click()
        page.wait_for_url("**/help/?country=AU")
        assert "tel:131114" in {link["href"] for link in audit(page)}
        assert errors == []
    finally:
        context.close()
