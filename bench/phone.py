"""The 30-second habit on a phone, measured: from a reminder to a saved mood-only check-in, and
20 check-ins queued offline then sent.

Playwright drives Debian's Chromium as a phone (390x844, touch, CPU slowed 4x through CDP)
against gunicorn (2 workers, production settings plus the floor views: bench.settings) on
PostgreSQL, loopback only. Run by hand, not in the test suite (it DELETES every account in the
database it is given, so the name must contain "bench"), one benchmark at a time:

    flock /tmp/tideline-bench.lock env \\
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/tl_bench_phonea \\
      CHROMIUM_PATH=/usr/bin/chromium .venv/bin/python bench/phone.py --port 8537

Scenarios (each repeated, medians printed, and as a ratio to the floor measured in the same
run: the same phone opening the one-row page /bench/one-row):
- reminder, trusted phone: signed in days before with "Keep me signed in on this phone", the
  browser since closed (only persistent cookies kept); the link in the reminder email and the
  notification's url (both the check-in page) opened; tap the mood line, tap Save, until
  "Saved". Goal: at most 2 taps after opening, no typing, under 5 s.
- reminder, signed in: the same while an ordinary session is alive.
- reminder, signed out: the same link after the session ended (30 idle minutes, or the browser
  closed): the sign-in form first (email and password typed), then the mood and Save.
- trends on a phone: also the network slowed to 1.6 Mbps / 150 ms (CDP), 120 days of
  history, /trends/?range=90d until the first chart's SVG is drawn: the first visit in a
  fresh browser just signed in, and a repeat visit (the service worker's cache and the
  browser's). Goals: 4 s and 1.5 s.
- offline: 20 check-ins saved on the phone for 20 different days with the network off, then
  the network back: rows in the database, posts sent (duplicates = posts - 20), seconds.
Taps count touches on the screen; typing is counted in characters (Playwright fills fields at
once, so typing time is not in the seconds).
"""

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

PASSWORD = "bench-phone-passphrase-41"  # noqa: S105 - a throwaway account in a bench database
QUEUED = """() => new Promise((resolve) => {
  const open = indexedDB.open("tideline", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("checkins", { keyPath: "day" });
  open.onsuccess = () => {
    const all = open.result.transaction("checkins").objectStore("checkins").getAll();
    all.onsuccess = () => { open.result.close(); resolve(all.result); };
  };
})"""
EMAIL = "phone@bench.tideline.test"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=8537)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--throttle", type=float, default=4.0, help="CPU slowdown (CDP)")
    return p.parse_args()


def setup(port: int) -> None:
    db_url = os.environ.get("DATABASE_URL", "")
    if not db_url.startswith("postgres") or "bench" not in db_url.rsplit("/", 1)[-1]:
        sys.exit("Set DATABASE_URL to a PostgreSQL database whose name contains 'bench'.")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_HSTS_SECONDS="0",
        SITE_URL=f"http://localhost:{port}",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)  # web and database alone: the file cache and broker
    # Playwright's sync API runs an event loop in this thread; the ORM calls between its steps
    # are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import psycopg

    name = db_url.rsplit("/", 1)[1]
    with psycopg.connect(db_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fresh_patient():
    from allauth.account.models import EmailAddress
    from django.db import connection

    from accounts.models import User

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE accounts_user RESTART IDENTITY CASCADE")
    user = User.objects.create_user(EMAIL, PASSWORD, time_zone="UTC")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


ACCESS_LOG = BASE / "var" / "bench-phone-access.log"


def start_gunicorn(port: int) -> subprocess.Popen:
    ACCESS_LOG.parent.mkdir(exist_ok=True)
    ACCESS_LOG.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [
            str(BASE / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            # What the server received, counted to find duplicates: the method and path only.
            "--access-logfile",
            str(ACCESS_LOG),
            "--access-logformat",
            "%(m)s %(U)s %(s)s",
        ],
        cwd=BASE,
        env=dict(os.environ),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


class Phone:
    """A browser context dressed as a phone, CPU slowed through CDP, counting taps."""

    def __init__(self, browser, base: str, throttle: float, *, state=None, slow_net=False):
        self.context = browser.new_context(
            viewport={"width": 390, "height": 844},
            device_scale_factor=3,
            is_mobile=True,
            has_touch=True,
            base_url=base,
            storage_state=state,
        )
        self.page = self.context.new_page()
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        if slow_net:
            cdp.send("Network.enable")
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": 150,
                    "downloadThroughput": 1.6e6 / 8,
                    "uploadThroughput": 0.75e6 / 8,
                },
            )
        self.taps = 0
        self.typed = 0

    def tap(self, locator) -> None:
        locator.tap()
        self.taps += 1

    def tap_at(self, locator, x: float, y: float) -> None:
        # A pointer click at the spot, counted as a tap: on this loaded machine with the CPU
        # slowed 4x, a CDP touch tap on the slider now and then lasted long enough to be a
        # long press (no click, nothing chosen), which is the harness, not the page.
        locator.click(position={"x": x, "y": y})
        self.taps += 1

    def type(self, locator, text: str) -> None:
        self.tap(locator)
        locator.fill(text)
        self.typed += len(text)

    def close(self) -> None:
        self.context.close()


def sign_in(phone: Phone, *, keep: bool = False) -> None:
    page = phone.page
    phone.type(page.get_by_label("Email:", exact=True), EMAIL)
    phone.type(page.get_by_label("Password:", exact=True), PASSWORD)
    if keep:
        phone.tap(page.get_by_label("Keep me signed in on this phone"))
    phone.tap(page.get_by_role("button", name="Sign In", exact=True))


def mood_and_save(phone: Phone, mood: int) -> None:
    """One tap on the mood line where `mood` sits, one on Save."""
    page = phone.page
    line = page.locator("[data-mood-range]")
    box = line.bounding_box()
    thumb = 40  # static/css/journal.css: the thumb's width; the value maps onto the rest
    x = thumb / 2 + (box["width"] - thumb) * mood / 10
    shown = page.locator("[data-mood-value]")
    for _ in range(3):
        phone.tap_at(line, x, box["height"] / 2)
        try:  # the page shows the chosen number at once; a tap it missed is tapped again
            page.wait_for_function(
                "el => el.textContent.trim() !== '\u2013'", arg=shown.element_handle(), timeout=2000
            )
            break
        except Exception:  # noqa: S112 - counted as a tap, and tried again
            continue
    phone.tap(page.get_by_role("button", name="Save check-in"))
    try:
        page.get_by_text("Saved. Thank you for checking in today.").wait_for()
    except Exception:
        print("not saved; the page says:", page.locator("main").inner_text()[:600])
        raise


def floor(browser, base, throttle) -> float:
    phone = Phone(browser, base, throttle)
    start = time.perf_counter()
    phone.page.goto("/bench/one-row", wait_until="load")
    took = time.perf_counter() - start
    phone.close()
    return took


def reminder_signed_in(browser, base, throttle, link: str, mood: int) -> tuple[float, int, int]:
    phone = Phone(browser, base, throttle)
    phone.page.goto("/accounts/login/")
    sign_in(phone)  # earlier in the day; not counted
    phone.page.wait_for_url(f"{base}/")
    phone.taps = phone.typed = 0
    start = time.perf_counter()
    phone.page.goto(link)  # the notification or email link, tapped (counted below)
    mood_and_save(phone, mood)
    took = time.perf_counter() - start
    phone.close()
    return took, phone.taps, phone.typed


def reminder_trusted(browser, base, throttle, link: str, mood: int) -> tuple[float, int, int]:
    phone = Phone(browser, base, throttle)
    phone.page.goto("/accounts/login/")
    sign_in(phone, keep=True)  # days ago; not counted
    phone.page.wait_for_url(f"{base}/")
    state = phone.context.storage_state()
    phone.close()
    # The browser was closed since: only cookies with an expiry survive it.
    state["cookies"] = [c for c in state["cookies"] if c.get("expires", -1) > 0]
    phone = Phone(browser, base, throttle, state=state)
    start = time.perf_counter()
    phone.page.goto(link)  # the notification or email link, tapped (counted below)
    if "/accounts/login/" in phone.page.url:
        raise SystemExit("the trusted phone was sent to sign in")
    mood_and_save(phone, mood)
    took = time.perf_counter() - start
    phone.close()
    return took, phone.taps, phone.typed


def history_seed(patient, days: int = 120) -> None:
    from journal.models import CheckIn
    from journal.weekly import weekly_summaries_rebuild

    today = patient.today()
    CheckIn.objects.filter(patient=patient).delete()
    CheckIn.objects.bulk_create(
        CheckIn(
            patient=patient,
            day=today - dt.timedelta(days=n),
            mood=(n * 7) % 11,
            energy=(n * 3) % 11,
            sleep_hours=6 + (n % 4) / 2,
        )
        for n in range(1, days + 1)
    )
    weekly_summaries_rebuild(patient_ids=[patient.pk])


CHART_DRAWN = ".js-plotly-plot .main-svg"


def trends_visits(browser, base, throttle) -> tuple[float, float]:
    """First and repeat visit to the trends page on a slow phone and a slow network."""
    phone = Phone(browser, base, throttle, slow_net=True)
    page = phone.page
    page.goto("/accounts/login/")
    sign_in(phone, keep=True)
    page.wait_for_url(f"{base}/")
    start = time.perf_counter()
    page.goto("/trends/?range=90d", wait_until="commit")
    page.locator(CHART_DRAWN).first.wait_for(state="attached", timeout=60_000)
    first = time.perf_counter() - start
    page.goto("/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    start = time.perf_counter()
    page.goto("/trends/?range=90d", wait_until="commit")
    page.locator(CHART_DRAWN).first.wait_for(state="attached", timeout=60_000)
    repeat = time.perf_counter() - start
    phone.close()
    return first, repeat


def reminder_signed_out(browser, base, throttle, link: str, mood: int) -> tuple[float, int, int]:
    phone = Phone(browser, base, throttle)
    start = time.perf_counter()
    phone.page.goto(link)
    phone.page.wait_for_url("**/accounts/login/**")
    sign_in(phone)
    phone.page.wait_for_url(f"{base}{link}")
    mood_and_save(phone, mood)
    took = time.perf_counter() - start
    phone.close()
    return took, phone.taps, phone.typed


def offline_twenty(browser, base, throttle, patient) -> dict:
    from journal.models import CheckIn

    phone = Phone(browser, base, throttle)
    page = phone.page
    page.goto("/accounts/login/")
    sign_in(phone)
    page.wait_for_url(f"{base}/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    phone.context.set_offline(True)
    page.goto("/checkin/")
    page.get_by_role("heading", name="You're offline").wait_for()
    phone.taps = phone.typed = 0
    days = [patient.today() - dt.timedelta(days=n) for n in range(20)]
    start = time.perf_counter()
    for n, day in enumerate(days):
        page.get_by_label("Which day?").fill(day.isoformat())  # a date picker: one choice
        phone.taps += 1
        phone.tap(
            page.get_by_role("group", name="Mood today (required)").get_by_text(
                str(n % 11), exact=True
            )
        )
        phone.tap(page.get_by_role("button", name="Save on this phone"))
        page.get_by_text(f"Saved on this phone: your check-in for {day:%A %-d %B}.").wait_for()
    queued_seconds = time.perf_counter() - start
    before = len(ACCESS_LOG.read_text().splitlines())
    phone.context.set_offline(False)
    start = time.perf_counter()
    deadline = start + 120
    while CheckIn.objects.filter(patient=patient).count() < 20 and time.perf_counter() < deadline:
        time.sleep(0.05)
    sent_seconds = time.perf_counter() - start
    time.sleep(2)  # room for a duplicate post to show
    received = ACCESS_LOG.read_text().splitlines()[before:]
    posts = [line for line in received if line.startswith("POST /checkin/")]
    left = page.evaluate(QUEUED)
    if left:
        print("still on the phone:", [(e["day"], e["state"], e.get("message")) for e in left])
        print("page says:", page.locator("[data-queue-status]").inner_text())
    rows = CheckIn.objects.filter(patient=patient).count()
    check_posts = len(posts)
    phone.close()
    return {
        "queued_s": queued_seconds,
        "taps_per_day": phone.taps / 20,
        "sent_s": sent_seconds,
        "rows": rows,
        "posts": check_posts,
        "duplicates": check_posts - 20,
    }


def main() -> None:
    args = parse_args()
    setup(args.port)
    from django.urls import reverse

    from accounts import unsubscribe
    from journal.models import CheckIn
    from journal.reminders.send import push_message

    push_link = push_message(unsubscribe.CHECKIN_REMINDER).url
    email_link = reverse("checkin")  # the email's button: SITE_URL + this path
    assert push_link == email_link
    patient = fresh_patient()
    server = start_gunicorn(args.port)
    base = f"http://localhost:{args.port}"
    from playwright.sync_api import sync_playwright

    results: dict[str, list] = {
        "floor": [],
        "trusted": [],
        "signed_in": [],
        "signed_out": [],
        "trends": [],
    }
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            floor(browser, base, args.throttle)  # warm-up: gunicorn workers, static files
            for n in range(args.repeat):
                results["floor"].append(floor(browser, base, args.throttle))
                CheckIn.objects.filter(patient=patient).delete()
                results["trusted"].append(
                    reminder_trusted(browser, base, args.throttle, push_link, (n * 3 + 2) % 11)
                )
                CheckIn.objects.filter(patient=patient).delete()
                results["signed_in"].append(
                    reminder_signed_in(browser, base, args.throttle, push_link, n % 11)
                )
                CheckIn.objects.filter(patient=patient).delete()
                results["signed_out"].append(
                    reminder_signed_out(browser, base, args.throttle, email_link, n % 11)
                )
            history_seed(patient)
            for _ in range(args.repeat):
                results["trends"].append(trends_visits(browser, base, args.throttle))
            CheckIn.objects.filter(patient=patient).delete()
            offline = offline_twenty(browser, base, args.throttle, patient)
            browser.close()
    finally:
        server.terminate()
        server.wait(10)

    floor_s = statistics.median(results["floor"])
    print(f"CPU slowed {args.throttle:g}x, 390x844 touch, gunicorn 2 workers, {args.repeat} runs")
    print(f"floor (one-row page opened): median {floor_s:.2f} s")
    for name, label in (
        ("trusted", "reminder -> saved, trusted phone (browser closed since)"),
        ("signed_in", "reminder -> saved, signed in"),
        ("signed_out", "reminder -> saved, signed out"),
    ):
        runs = results[name]
        seconds = statistics.median(r[0] for r in runs)
        print(
            f"{label}: {statistics.median(r[1] for r in runs):g} taps after opening the link"
            f" (max {max(r[1] for r in runs)}; +1 on the notification),"
            f" {runs[0][2]} characters typed; median {seconds:.2f} s"
            f" (min {min(r[0] for r in runs):.2f}, max {max(r[0] for r in runs):.2f}),"
            f" {seconds / floor_s:.1f}x the floor"
        )
    first = statistics.median(r[0] for r in results["trends"])
    repeat = statistics.median(r[1] for r in results["trends"])
    print(
        f"trends on a phone (+ 1.6 Mbps / 150 ms): first chart drawn, first visit median"
        f" {first:.2f} s (goal 4), repeat visit median {repeat:.2f} s (goal 1.5);"
        f" {first / floor_s:.1f}x and {repeat / floor_s:.1f}x the floor"
    )
    print(
        f"offline: 20 days queued in {offline['queued_s']:.1f} s ({offline['taps_per_day']:g} taps"
        f" a day); back online, {offline['rows']} rows in {offline['sent_s']:.2f} s,"
        f" {offline['posts']} posts, {offline['duplicates']} duplicates"
    )


if __name__ == "__main__":
    main()
