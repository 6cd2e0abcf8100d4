"""Notifications end to end in Chromium, with the push service on loopback: Settings turns
them on for this device, a reminder goes out encrypted to it, and the service worker shows it
with the page it opens. Chromium's own push service is Google's, which a test may not reach, so
the browser's subscribe call is answered with a subscription to the loopback service."""

import datetime as dt
import json

import pytest
from playwright.sync_api import expect

from accounts.models import PushSubscription
from journal.reminders.send import reminders_send
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility_in_browser import violations
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_PUSH_MANAGER = """(subscription) => {
  let current = null;
  PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
  PushManager.prototype.subscribe = function () {
    current = {
      endpoint: subscription.endpoint,
      toJSON: () => subscription,
      unsubscribe: () => { current = null; return Promise.resolve(true); },
    };
    return Promise.resolve(current);
  };
}"""
NOTIFICATIONS = """() => navigator.serviceWorker.ready
  .then((r) => r.getNotifications())
  .then((all) => all.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data.url })))"""


def test_turning_notifications_on_and_a_reminder_arriving_on_the_phone(
    page, live_server, push_service
):
    now = dt.datetime.now(dt.UTC)
    patient = UserFactory(
        time_zone="UTC",
        reminder_time=(now - dt.timedelta(minutes=1)).time().replace(second=0, microsecond=0),
        reminder_enabled=False,
        reminder_push=True,
        questionnaire_reminder_enabled=False,
        weekly_email_enabled=False,
    )
    device = push_service.device("chromium")
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(f"({FAKE_PUSH_MANAGER})({json.dumps(device.subscription)})")
    log_in(page, patient.email)

    assert violations(page, "/settings/") == []  # with the notification switches and button
    expect(page.get_by_text("Notifications are off for this device.")).to_be_visible()
    page.get_by_role("button", name="Turn on notifications here").click()
    expect(page.get_by_text("Notifications are on for this device.")).to_be_visible()
    assert list(PushSubscription.objects.values_list("user", "endpoint")) == [
        (patient.pk, device.endpoint)
    ]

    assert reminders_send(user_ids=[patient.pk], as_of=now, now=now) == 1
    [body] = push_service.bodies_for(device)
    payload = device.decrypt(body)

    # What the push service hands the browser, delivered to Tideline's own service worker.
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_timeout(300)
    [registration] = [r for r in registrations if r["scopeURL"] == f"{live_server.url}/"][:1]
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server.url,
            "registrationId": registration["registrationId"],
            "data": json.dumps(payload),
        },
    )
    # Poll from Python: the worker shows the notification asynchronously, and on a loaded
    # machine it can take a few seconds to appear.
    shown: list = []
    for _ in range(100):
        shown = page.evaluate(NOTIFICATIONS)
        if shown:
            break
        page.wait_for_timeout(100)
    assert shown == [
        {
            "title": "Tideline",
            "body": "A moment for today's check-in",
            "tag": "checkin_reminder",
            "url": "/checkin/",
        }
    ]

    # Tapping it opens that page of this site, and never another site, whatever a payload says.
    [worker] = page.context.service_workers
    for url, opens in (
        ("/checkin/", "/checkin/"),
        ("https://elsewhere.example/x", "/"),
        ("//elsewhere.example/x", "/"),
        (None, "/"),
    ):
        assert worker.evaluate("(url) => pageFor({ url })", url) == f"{live_server.url}{opens}"

    page.get_by_role("button", name="Turn them off here").click()
    expect(page.get_by_text("Notifications are off for this device.")).to_be_visible()
    assert not PushSubscription.objects.exists()
