"""Web Push reminders against a push service on loopback that records what it receives: each
reminder once per person, kind, occasion and channel; the payload, decrypted with the device's
own key, carries no health data and opens the page it is about; a device its push service calls
gone is forgotten; only push services' addresses are accepted."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from accounts import unsubscribe
from accounts.models import EmailDelivery, PushSubscription
from accounts.push import PushNotDelivered
from journal.reminders.send import reminders_send
from tests.factories import CheckInFactory, TreatmentSessionFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)  # 8 p.m. in UTC and in London


def subscribe(client, device):
    return client.post(
        reverse("push_subscribe"),
        data=json.dumps(device.subscription),
        content_type="application/json",
    )


def patient_with_device(client, push_service, name="phone", **switches):
    switches = {
        "reminder_enabled": False,
        "reminder_push": True,
        "questionnaire_reminder_enabled": False,
        "weekly_email_enabled": False,
        **switches,
    }
    person = UserFactory(time_zone="UTC", **switches)
    device = push_service.device(f"{name}-{person.pk}")
    client.force_login(person)
    assert subscribe(client, device).status_code == 201
    client.logout()
    return person, device


def test_a_reminder_by_notification_carries_only_what_it_is_for_and_where_it_leads(
    client, push_service, smtp_sink
):
    person, device = patient_with_device(client, push_service)
    other, other_device = patient_with_device(client, push_service, name="tablet")
    CheckInFactory(patient=person, day=NOW.date() - dt.timedelta(days=1), mood=2, note="secret")

    assert reminders_send(user_ids=[person.pk, other.pk], as_of=NOW, now=NOW) == 2

    [body] = push_service.bodies_for(device)
    assert b"checkin" not in body and b"secret" not in body  # encrypted on the wire
    assert device.decrypt(body) == {
        "title": "Tideline",
        "body": "A moment for today's check-in",
        "url": reverse("checkin"),
        "tag": "checkin_reminder",
    }
    assert len(push_service.bodies_for(other_device)) == 1
    assert smtp_sink.messages == []  # email was switched off for this kind
    row = EmailDelivery.objects.get(recipient=person)
    assert (row.channel, row.status, row.period) == ("push", "sent", "2026-11-24")

    # A second run (a redelivered batch, the sweep) sends nothing more.
    assert reminders_send(user_ids=[person.pk, other.pk], as_of=NOW, now=NOW) == 0
    assert len(push_service.received) == 2


def test_each_request_is_signed_with_our_vapid_key_and_expires_with_the_reminder(
    client, push_service, settings
):
    person, _device = patient_with_device(client, push_service)

    reminders_send(user_ids=[person.pk], as_of=NOW, now=NOW)

    [(_path, headers, _body)] = push_service.received
    assert headers["authorization"].startswith("vapid t=")
    assert f"k={settings.VAPID_PUBLIC_KEY}" in headers["authorization"]
    assert headers["content-encoding"] == "aes128gcm"
    assert 0 < int(headers["ttl"]) <= 12 * 3600
    assert headers["topic"] == "checkin_reminder"


def test_email_and_notification_chosen_together_come_once_each(client, push_service, smtp_sink):
    person, device = patient_with_device(client, push_service, reminder_enabled=True)

    assert reminders_send(user_ids=[person.pk], as_of=NOW, now=NOW) == 2
    assert reminders_send(user_ids=[person.pk], as_of=NOW, now=NOW) == 0

    assert smtp_sink.recipients == [person.email]
    assert len(push_service.bodies_for(device)) == 1
    assert sorted(EmailDelivery.objects.values_list("channel", "status")) == [
        ("email", "sent"),
        ("push", "sent"),
    ]


def test_every_reminder_kind_opens_its_own_page(client, push_service):
    from journal.reminders.send import push_message

    expected = {
        unsubscribe.CHECKIN_REMINDER: reverse("checkin"),
        unsubscribe.QUESTIONNAIRE_DUE: reverse("questionnaires"),
        unsubscribe.WEEKLY_SUMMARY: reverse("trends"),
        unsubscribe.INTEGRATION_REMINDER: reverse("checkin"),
    }
    for kind, url in expected.items():
        message = push_message(kind)
        assert (message.url, message.tag) == (url, kind)
    person, device = patient_with_device(
        client, push_service, reminder_push=False, questionnaire_reminder_push=True
    )
    reminders_send(user_ids=[person.pk], as_of=NOW, now=NOW)
    [body] = push_service.bodies_for(device)
    assert device.decrypt(body)["url"] == reverse("questionnaires")


def test_a_device_its_push_service_calls_gone_is_forgotten(client, push_service):
    person, device = patient_with_device(client, push_service)
    push_service.status[device.endpoint.removeprefix(push_service.url)] = [410]

    assert reminders_send(user_ids=[person.pk], as_of=NOW, now=NOW) == 0

    assert not PushSubscription.objects.filter(user=person).exists()
    row = EmailDelivery.objects.get(recipient=person)
    assert (row.status, row.last_error) == ("failed", "PushUndeliverable")
    tomorrow = NOW + dt.timedelta(days=1)
    assert reminders_send(user_ids=[person.pk], as_of=tomorrow, now=tomorrow) == 0
    assert len(push_service.received) == 1  # nothing more is sent to a forgotten device


def test_a_push_service_that_is_struggling_is_retried_and_the_retry_sends_once(
    client, push_service
):
    person, device = patient_with_device(client, push_service)
    push_service.status[device.endpoint.removeprefix(push_service.url)] = [503]

    with pytest.raises(PushNotDelivered):
        reminders_send(user_ids=[person.pk], as_of=NOW, now=NOW)
    row = EmailDelivery.objects.get(recipient=person)
    assert (row.status, row.attempts, row.unsure_attempts) == ("pending", 1, 0)

    assert reminders_send(user_ids=[person.pk], as_of=NOW, now=NOW) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(push_service.bodies_for(device)) == 2  # the refused one and the one taken


def test_no_device_means_no_notification_and_no_log_row(client, push_service, smtp_sink):
    person = UserFactory(
        time_zone="UTC",
        reminder_push=True,
        questionnaire_reminder_enabled=False,
        weekly_email_enabled=False,
    )

    assert reminders_send(user_ids=[person.pk], as_of=NOW, now=NOW) == 1  # the email alone

    assert push_service.received == []
    assert list(EmailDelivery.objects.values_list("channel", flat=True)) == ["email"]


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://attacker.example/push/1",  # not a push service
        "http://fcm.googleapis.com/fcm/send/1",  # not https
        "http://10.0.0.5/push/1",  # an address inside someone's network
        "https://user:pw@fcm.googleapis.com/x",
        "",
    ],
)
def test_only_a_push_services_address_is_accepted(client, push_service, settings, endpoint):
    settings.PUSH_SERVICE_HOSTS = ["fcm.googleapis.com", "127.0.0.1"]
    person = UserFactory()
    client.force_login(person)
    device = push_service.device("x")
    device.subscription["endpoint"] = endpoint

    response = subscribe(client, device)

    assert response.status_code == 400
    assert "not accepted" in response.json()["error"]
    assert not PushSubscription.objects.exists()


def test_keys_that_are_not_a_browsers_are_refused(client, push_service):
    client.force_login(UserFactory())
    device = push_service.device("x")
    device.subscription["keys"]["auth"] = "c2hvcnQ"

    assert subscribe(client, device).status_code == 400
    assert subscribe(client, push_service.device("y")).status_code == 201


def test_a_shared_phone_belongs_to_whoever_turned_notifications_on_last(client, push_service):
    first, second = UserFactory(), UserFactory()
    device = push_service.device("shared")
    for person in (first, second):
        client.force_login(person)
        assert subscribe(client, device).status_code == 201

    assert list(PushSubscription.objects.values_list("user", flat=True)) == [second.pk]
    client.force_login(first)  # turning it off as someone else changes nothing
    client.post(
        reverse("push_unsubscribe"),
        data=json.dumps({"endpoint": device.endpoint}),
        content_type="application/json",
    )
    assert PushSubscription.objects.filter(user=second).count() == 1
    client.force_login(second)
    client.post(
        reverse("push_unsubscribe"),
        data=json.dumps({"endpoint": device.endpoint}),
        content_type="application/json",
    )
    assert not PushSubscription.objects.exists()


def test_turning_notifications_on_needs_a_sign_in_and_a_csrf_token(push_service):
    from django.test import Client

    device = push_service.device("x")
    anonymous = subscribe(Client(), device)
    assert anonymous.status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory())
    assert subscribe(strict, device).status_code == 403
    assert not PushSubscription.objects.exists()


def test_settings_offer_each_reminder_by_notification_only_when_push_is_set_up(
    client, push_service, settings
):
    person = UserFactory()
    client.force_login(person)
    page = client.get(reverse("profile_settings")).content.decode()
    assert 'name="reminder_push"' in page and 'name="weekly_push"' in page
    assert f'data-push-key="{settings.VAPID_PUBLIC_KEY}"' in page

    response = client.post(
        reverse("profile_settings"),
        {
            "display_name": "Sam",
            "time_zone": "UTC",
            "reminder_time": "20:00",
            "reminder_push": "on",
            "questionnaire_reminder_push": "on",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.reminder_enabled, person.reminder_push) == (False, True)
    assert person.next_reminder_at is not None  # a notification alone keeps the schedule

    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    page = client.get(reverse("profile_settings")).content.decode()
    assert 'name="reminder_push"' not in page and "data-push-key" not in page


def test_the_email_unsubscribe_link_leaves_notifications_on(client, push_service):
    person = UserFactory(reminder_enabled=True, reminder_push=True)
    link = unsubscribe.unsubscribe_url(user=person, kind=unsubscribe.CHECKIN_REMINDER)

    client.post(link.removeprefix(settings_site_url()))

    person.refresh_from_db()
    assert (person.reminder_enabled, person.reminder_push) == (False, True)


def settings_site_url() -> str:
    from django.conf import settings

    return settings.SITE_URL


def test_the_system_check_refuses_half_a_key_pair_or_halves_of_two(settings):
    from accounts.checks import vapid_key_pair
    from accounts.management.commands.make_vapid_keys import make_vapid_keys

    public, private = make_vapid_keys()
    other_public, _ = make_vapid_keys()
    for pair, problem in (
        ((public, private), None),
        (("", ""), None),
        ((public, ""), "only one of"),
        ((other_public, private), "not the public half"),
        (("not-a-key!", private), "not a base64url P-256 key"),
    ):
        settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = pair
        errors = vapid_key_pair(None)
        if problem is None:
            assert errors == []
        else:
            assert len(errors) == 1 and problem in errors[0].msg


def test_the_integration_reminder_a_month_after_a_session_comes_by_notification_once(
    client, push_service, smtp_sink
):
    switches = {"reminder_push": False, "integration_reminders_push": True}
    month, not_yet = (
        patient_with_device(client, push_service, name=name, **switches)
        for name in ("month", "not-yet")
    )
    for (person, _), days in ((month, 30), (not_yet, 29)):
        day = NOW.date() - dt.timedelta(days=days)
        TreatmentSessionFactory(
            patient=person,
            day=day,
            started_at=dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC),
        )
    ids = [month[0].pk, not_yet[0].pk]

    assert reminders_send(user_ids=ids, as_of=NOW, now=NOW) == 1
    assert reminders_send(user_ids=ids, as_of=NOW, now=NOW) == 0

    assert len(push_service.bodies_for(month[1])) == 1
    assert push_service.bodies_for(not_yet[1]) == []
    assert smtp_sink.recipients == []
    assert list(EmailDelivery.objects.values_list("recipient_id", "kind", "channel")) == [
        (month[0].pk, unsubscribe.INTEGRATION_REMINDER, "push")
    ]
