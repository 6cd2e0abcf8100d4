"""The installable app in a real Chromium on a phone-sized screen: the manifest and a service
worker from our own origin under the strict CSP, caching the shell and never a page with
health data; check-ins saved offline arrive once each when the network is back, through the
same save path, even after the tab was closed; signing out leaves nothing behind."""

import datetime as dt
import struct

import pytest
from playwright.sync_api import expect

from journal.models import CheckIn
from tests.e2e.conftest import log_in, log_out
from tests.factories import CheckInFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CACHED_URLS = """async () => {
  const urls = [];
  for (const key of await caches.keys()) {
    const cache = await caches.open(key);
    for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
  }
  return urls;
}"""
QUEUED = """() => new Promise((resolve) => {
  const open = indexedDB.open("tideline", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("checkins", { keyPath: "day" });
  open.onsuccess = () => {
    const all = open.result.transaction("checkins").objectStore("checkins").getAll();
    all.onsuccess = () => { open.result.close(); resolve(all.result); };
  };
})"""


def wait_for_worker(page) -> str:
    """The service worker is installed, its shell cached, and it controls this page."""
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    return scope


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_tideline_is_installable_and_its_worker_caches_the_shell_not_health_data(page, live_server):
    patient = UserFactory()
    CheckInFactory(patient=patient, day=patient.today() - dt.timedelta(days=1), note="private")
    log_in(page, patient.email)

    manifest_link = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = page.request.get(manifest_link)
    assert manifest.headers["content-type"] == "application/manifest+json"
    data = manifest.json()
    assert (data["name"], data["start_url"], data["display"]) == ("Tideline", "/", "standalone")
    assert data["theme_color"] == page.locator("meta[name=theme-color]").get_attribute("content")
    sizes: dict[str, list[str]] = {}
    for icon in data["icons"]:
        if icon["type"] == "image/png":
            width, height = png_size(page.request.get(icon["src"]).body())
            sizes.setdefault(icon.get("purpose", "any"), []).append(f"{width}x{height}")
            assert icon["sizes"] == f"{width}x{height}"
    assert sizes == {"any": ["192x192", "512x512"], "maskable": ["512x512"]}

    worker = page.request.get("/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/"
    assert worker.headers["cache-control"] == "no-cache"
    csp = worker.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp

    assert wait_for_worker(page) == f"{live_server.url}/"
    for path in ("/checkin/", "/trends/?range=30d", "/history/", "/settings/", "/"):
        page.goto(path)
    cached = page.evaluate(CACHED_URLS)
    for shell in (
        "/static/css/app.css",
        "/static/js/offline.js",
        "/static/vendor/plotly/plotly-basic.min.js",
        "/static/icons/icon-192.png",
        "/offline/",
        "/manifest.webmanifest",
    ):
        assert shell in cached
    pages = [url for url in cached if not url.startswith("/static/")]
    assert sorted(pages) == ["/manifest.webmanifest", "/offline/"]  # no page with health data
    offline_page = page.request.get("/offline/").text()
    assert "private" not in offline_page and patient.email not in offline_page


def test_check_ins_saved_offline_arrive_once_each_when_the_network_returns(page, live_server):
    patient = UserFactory(email="offline@example.test")
    log_in(page, patient.email)
    wait_for_worker(page)
    today = patient.today()

    page.context.set_offline(True)
    page.goto("/checkin/")  # no network: the page opens from the shell
    expect(page.get_by_role("heading", name="You're offline")).to_be_visible()
    page.get_by_role("group", name="Mood today (required)").get_by_label("7", exact=True).check()
    page.get_by_label("A note for yourself").fill("quiet morning")
    page.get_by_role("button", name="Save on this phone").click()
    expect(page.get_by_text("Saved on this phone: your check-in for")).to_be_visible()
    expect(page.get_by_text("It will be sent when you're online.")).to_be_visible()
    yesterday = today - dt.timedelta(days=1)
    page.get_by_label("Which day?").fill(yesterday.isoformat())
    page.get_by_role("group", name="Mood today (required)").get_by_label("3", exact=True).check()
    page.get_by_role("button", name="Save on this phone").click()
    page.wait_for_function("document.querySelectorAll('[data-queue-status] p').length >= 1")
    assert len(page.evaluate(QUEUED)) == 2
    assert CheckIn.objects.count() == 0

    page.close()  # the tab closes before the network returns: nothing is lost
    again = page.context.new_page()
    posts = []
    again.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    again.context.set_offline(False)
    again.goto("/")
    expect(again.get_by_text(f"Sent: your check-in for {today:%A %-d %B}.")).to_be_visible()
    expect(again.get_by_text(f"Sent: your check-in for {yesterday:%A %-d %B}.")).to_be_visible()

    rows = {c.day: (c.mood, c.note, c.version) for c in CheckIn.objects.filter(patient=patient)}
    assert rows == {today: (7, "quiet morning", 1), yesterday: (3, "", 1)}
    assert again.evaluate(QUEUED) == []  # removed once sent
    again.reload()
    again.wait_for_load_state("networkidle")
    assert len([u for u in posts if "/checkin/" in u]) == 2  # nothing sent twice
    assert CheckIn.objects.count() == 2
    again.close()


def save_offline(page, day: dt.date, mood: int) -> None:
    page.get_by_label("Which day?").fill(day.isoformat())
    page.get_by_role("group", name="Mood today (required)").get_by_label(
        str(mood), exact=True
    ).check()
    page.get_by_role("button", name="Save on this phone").click()
    expect(
        page.get_by_text(f"Saved on this phone: your check-in for {day:%A %-d %B}.")
    ).to_be_visible()


def test_twenty_days_queued_offline_become_twenty_rows_with_two_tabs_open(page, live_server):
    patient = UserFactory()
    log_in(page, patient.email)
    wait_for_worker(page)
    second_tab = page.context.new_page()
    second_tab.goto("/history/")
    posts = []
    for tab in (page, second_tab):
        tab.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    page.context.set_offline(True)
    page.goto("/checkin/")
    days = [patient.today() - dt.timedelta(days=n) for n in range(20)]
    for n, day in enumerate(days):
        save_offline(page, day, n % 11)
    assert len(page.evaluate(QUEUED)) == 20

    page.context.set_offline(False)  # both tabs see the network return and try to send
    for _ in range(150):
        if not page.evaluate(QUEUED):
            break
        page.wait_for_timeout(200)
    page.wait_for_timeout(500)

    rows = list(CheckIn.objects.filter(patient=patient).values_list("day", "mood"))
    assert sorted(rows) == sorted((day, n % 11) for n, day in enumerate(days))
    assert len([u for u in posts if "/checkin/" in u]) == 20  # one post a day: 0 duplicates
    second_tab.close()


def test_a_day_saved_elsewhere_meanwhile_is_not_overwritten_without_asking(page, live_server):
    patient = UserFactory()
    log_in(page, patient.email)
    wait_for_worker(page)

    page.context.set_offline(True)
    page.goto("/checkin/")
    save_offline(page, patient.today(), 8)
    CheckInFactory(patient=patient, day=patient.today(), mood=2, note="from the laptop")
    page.context.set_offline(False)

    expect(
        page.get_by_text("was saved from another device while this one was offline")
    ).to_be_visible()
    assert CheckIn.objects.get(patient=patient).mood == 2  # the same stale-tab rule as a form
    page.get_by_role("button", name="Use what I wrote here").click()
    expect(page.get_by_text("Sent: your check-in for")).to_be_visible()
    checkin = CheckIn.objects.get(patient=patient)
    assert (checkin.mood, checkin.version) == (8, 2)


def test_signing_out_clears_the_queue_the_worker_and_its_cache(page, live_server):
    patient = UserFactory()
    log_in(page, patient.email)
    wait_for_worker(page)
    page.context.set_offline(True)
    page.goto("/checkin/")
    # A day too long ago: the server refuses it, so it stays on the phone until dealt with.
    save_offline(page, patient.today() - dt.timedelta(days=400), 5)
    page.context.set_offline(False)
    page.goto("/")
    expect(page.get_by_text("Not sent, your check-in for")).to_be_visible()
    assert len(page.evaluate(QUEUED)) == 1 and page.evaluate(CACHED_URLS)

    log_out(page)
    page.wait_for_url("**/accounts/login/")

    assert page.evaluate("indexedDB.databases().then((dbs) => dbs.map((d) => d.name))") == []
    assert page.evaluate("caches.keys()") == []
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then((r) => r.length)") == 0
    assert CheckIn.objects.count() == 0
