"""Phone-first layout, measured in a real Chromium on a touch phone: the bottom tab bar, the
mood slider in one row, Save in view on a mood-only check-in, every tap target at least 44x44
CSS px on every main page, and no page wider than a 320 px screen."""

import datetime as dt
from urllib.parse import urlparse

import pytest

from journal.models import CheckIn
from journal.signals import signals_evaluate
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility_in_browser import PATIENT_PAGES
from tests.factories import PASSWORD, UserFactory
from tests.journal.trend_histories import steady_then_slide

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PUBLIC_PAGES = ("/accounts/login/", "/accounts/signup/", "/help/", "/accounts/password/reset/")

# Every visible control a finger may tap, measured with its labels (a tap on a label is a tap
# on its input). Links inside a sentence are exempt, as WCAG 2.5.5 exempts inline targets:
# enlarging them would break the line they sit in.
TARGETS_SCRIPT = """
() => {
  const small = [];
  const seen = new Set();
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width <= 0 || r.height <= 0 || style.visibility === "hidden") return false;
    return !el.closest("[hidden], .visually-hidden, dialog:not([open])");
  };
  const inline = (el) => el.tagName === "A" && getComputedStyle(el).display === "inline";
  const box = (el) => {
    let r = el.getBoundingClientRect();
    let w = r.width, h = r.height;
    for (const label of (el.labels || [])) {
      const l = label.getBoundingClientRect();
      w = Math.max(w, l.width); h = Math.max(h, l.height);
    }
    return [w, h];
  };
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary";
  for (const el of document.querySelectorAll(selector)) {
    if (seen.has(el) || !visible(el) || inline(el)) continue;
    if (el.classList.contains("skip-link")) continue;
    seen.add(el);
    const [w, h] = box(el);
    if (w < 44 || h < 44) {
      const words = el.getAttribute("aria-label") || el.textContent || el.name || el.id || "";
      const name = words.trim().slice(0, 40);
      small.push(`${el.tagName.toLowerCase()} "${name}" ${Math.round(w)}x${Math.round(h)}`);
    }
  }
  return small;
}
"""


@pytest.fixture
def phone(browser, live_server):
    """A touch phone at 390x844 that fails the test on console errors."""
    context = browser.new_context(
        viewport=PHONE, base_url=live_server.url, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    yield page
    context.close()
    assert not problems, problems


def a_patient_with_history():
    patient = UserFactory()
    steady_then_slide(patient, end=patient.today() - dt.timedelta(days=1))
    signals_evaluate(patient_id=patient.pk)
    return patient


def at_home(url: str) -> bool:
    return urlparse(url).path == "/"


def open_page(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    page.wait_for_load_state("load")


def test_every_tap_target_on_every_main_page_is_at_least_44_by_44(phone):
    patient = a_patient_with_history()
    for path in PUBLIC_PAGES:
        open_page(phone, path)
        assert phone.evaluate(TARGETS_SCRIPT) == [], path
    log_in(phone, patient.email)

    small = {}
    for path in (*PATIENT_PAGES, "/more/"):
        open_page(phone, path)
        found = phone.evaluate(TARGETS_SCRIPT)
        if found:
            small[path] = found

    assert small == {}


def test_no_page_scrolls_sideways_on_a_320_px_screen(phone):
    patient = a_patient_with_history()
    phone.set_viewport_size({"width": 320, "height": 640})
    wide = {}
    for path in PUBLIC_PAGES:
        open_page(phone, path)
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        if width > 320:
            wide[path] = width
    log_in(phone, patient.email)
    for path in (*PATIENT_PAGES, "/more/"):
        open_page(phone, path)
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        if width > 320:
            wide[path] = width

    assert wide == {}


def test_the_tab_bar_is_at_the_bottom_with_five_tabs_and_more_holds_the_rest(phone):
    patient = UserFactory()
    log_in(phone, patient.email)
    open_page(phone, "/")

    tabs = phone.get_by_role("navigation", name="Tabs")
    assert tabs.get_by_role("link").all_inner_texts() == [
        "Home",
        "Check in",
        "Trends",
        "Help",
        "More",
    ]
    box = tabs.bounding_box()
    assert box is not None and box["y"] + box["height"] == pytest.approx(PHONE["height"], abs=1)
    assert not phone.get_by_role("navigation", name="Main").is_visible()  # the long menu

    tabs.get_by_role("link", name="More").tap()
    phone.wait_for_url("**/more/")
    for name in ("History", "Sessions", "Questionnaires", "Safety plan", "Sharing", "Settings"):
        assert phone.get_by_role("link", name=name).first.is_visible(), name
    assert phone.get_by_role("button", name="Log out").is_visible()


def test_a_mood_only_check_in_is_two_taps_with_save_in_view(phone):
    patient = UserFactory()
    log_in(phone, patient.email)
    open_page(phone, "/checkin/")

    slider = phone.locator("[data-mood-range]")
    save = phone.get_by_role("button", name="Save check-in")
    # Save is on screen without scrolling, and not under the tab bar.
    box = save.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"] - 56
    covered = phone.evaluate(
        "([x, y]) => !document.elementFromPoint(x, y).closest('button')",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert not covered
    # One row: the slider, with a word at each end and the middle.
    words = phone.locator(".mood-words li").all_inner_texts()
    assert words == ["0 · lowest", "5 · okay", "10 · best"]
    track = slider.bounding_box()
    assert track is not None and track["height"] >= 44

    # Tap 1: three-quarters along the line is a 7 or 8; tap 2: Save.
    slider.tap(position={"x": track["width"] * 0.75, "y": track["height"] / 2})
    chosen = int(slider.input_value())
    assert phone.locator("[data-mood-value]").inner_text() == str(chosen)
    save.tap()
    phone.wait_for_url(at_home)

    assert list(CheckIn.objects.values_list("mood", flat=True)) == [chosen]
    assert 6 <= chosen <= 9


def test_an_untouched_slider_saves_no_made_up_mood(phone):
    patient = UserFactory()
    log_in(phone, patient.email)
    open_page(phone, "/checkin/")
    assert phone.locator("[data-mood-value]").inner_text() == "\N{EN DASH}"  # nothing chosen

    with phone.expect_navigation():
        phone.get_by_role("button", name="Save check-in").tap()

    assert not CheckIn.objects.exists()
    assert "Please choose a number for your mood" in phone.content()


def test_the_mood_slider_works_by_keyboard(phone):
    patient = UserFactory()
    log_in(phone, patient.email)
    open_page(phone, "/checkin/")

    slider = phone.locator("[data-mood-range]")
    slider.focus()
    phone.keyboard.press("ArrowRight")
    phone.keyboard.press("ArrowRight")

    assert slider.get_attribute("aria-valuetext") == "7 out of 10"
    phone.get_by_role("button", name="Save check-in").click()
    phone.wait_for_url(at_home)
    assert list(CheckIn.objects.values_list("mood", flat=True)) == [7]


def test_the_year_calendar_on_a_phone_has_finger_sized_days(phone):
    patient = a_patient_with_history()
    log_in(phone, patient.email)
    open_page(phone, "/history/calendar/")

    assert not phone.locator(".pixels-wrap").is_visible()
    today = phone.locator(".month-grid a.day").last
    box = today.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44
    today.tap()
    phone.wait_for_url("**/checkin/**")


def test_a_trusted_phone_opens_the_reminder_link_on_the_check_in_after_the_browser_closed(
    browser, live_server
):
    patient = UserFactory()
    first = browser.new_context(
        viewport=PHONE, base_url=live_server.url, has_touch=True, is_mobile=True
    )
    page = first.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email:", exact=True).fill(patient.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Keep me signed in on this phone").tap()
    page.get_by_role("button", name="Sign In", exact=True).tap()
    page.wait_for_url(at_home)
    state = first.storage_state()
    first.close()
    # The browser closed: only cookies with an expiry are still there.
    state["cookies"] = [c for c in state["cookies"] if c.get("expires", -1) > 0]
    later = browser.new_context(
        viewport=PHONE,
        base_url=live_server.url,
        has_touch=True,
        is_mobile=True,
        storage_state=state,
    )
    phone = later.new_page()

    phone.goto("/checkin/")  # the reminder's link
    assert urlparse(phone.url).path == "/checkin/"
    slider = phone.locator("[data-mood-range]")
    box = slider.bounding_box()
    assert box is not None
    slider.tap(position={"x": box["width"] * 0.2, "y": box["height"] / 2})
    phone.get_by_role("button", name="Save check-in").tap()
    phone.wait_for_url(at_home)
    later.close()

    assert CheckIn.objects.filter(patient=patient).count() == 1
