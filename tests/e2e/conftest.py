import os
import re

import pytest
from allauth.mfa.models import Authenticator

from tests.factories import PASSWORD, totp_code
from tests.services import chromium_path

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body
# are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context on a phone-sized screen that records console errors and CSP
    violations; the test fails if any happened."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: (
            problems.append(f"third-party request: {r.url}")
            if not r.url.startswith((live_server.url, "data:", "blob:", "about:"))
            else None
        ),
    )
    page.problems = problems
    yield page
    context.close()
    assert not problems, (
        f"browser console errors, CSP violations or third-party requests: {problems}"
    )


def log_in(page, email, *, then: str | None = "**/"):
    """Sign in through the real form with the factories' password, and the authenticator app's
    code when the account has one (care-team and staff accounts do); then wait for a page whose
    URL matches `then` (None: the test waits for what comes next itself, such as a passkey)."""
    page.goto("/accounts/login/")
    page.get_by_label("Email:", exact=True).fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    app = Authenticator.objects.filter(user__email=email, type=Authenticator.Type.TOTP).first()
    if app is not None:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        page.locator("input[name=code]").fill(totp_code(app.user))
        page.get_by_role("button", name="Sign In", exact=True).click()
    if then:
        page.wait_for_url(then)


def choose_mood(page, mood: int) -> None:
    """Pick a mood on the check-in's slider as a keyboard user does (static/js/checkin.js):
    Home is 0, then one step right per point."""
    slider = page.locator("[data-mood-range]")
    slider.focus()
    page.keyboard.press("Home")
    for _ in range(mood):
        page.keyboard.press("ArrowRight")
    assert slider.get_attribute("aria-valuetext", timeout=2000).startswith(f"{mood} out of 10")


def log_out(page) -> None:
    """Sign out from wherever the button is: the menu on a wide screen, under More on a
    patient's phone (the bottom tab bar)."""
    button = page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out")
    if not button.is_visible():
        page.goto("/more/")
        button = page.locator("main").get_by_role("button", name="Log out")
    button.click()


def open_from_menu(page, name: str) -> None:
    """Follow a menu link as the screen offers it: the menu on a wide screen (or a care-team
    account's), More in the bottom tab bar on a patient's phone."""
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        page.get_by_role("navigation", name="Tabs").get_by_role("link", name="More").click()
        page.wait_for_url("**/more/")
        link = page.locator("main").get_by_role("link", name=re.compile(f"^{re.escape(name)}"))
    link.first.click()
