import datetime as dt
import re
import time

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SESSION_REFRESHED_AT
from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "quiet-harbour-lanterns-7"


def signup(client, email="new.person@example.test", password=NEW_PASSWORD, **extra):
    data = {
        "email": email,
        "password1": password,
        "display_name": "Robin",
        "time_zone": "America/Chicago",
        "reminder_enabled": "on",
        "reminder_time": "20:00",
        **extra,
    }
    return client.post(reverse("account_signup"), data)


def confirmation_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_signup_sends_verification_email_and_confirming_signs_in(client):
    response = signup(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="new.person@example.test")
    assert user.role == User.Role.PATIENT
    assert user.time_zone == "America/Chicago"
    assert user.display_name == "Robin"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.test"]
    # Unverified: not signed in yet.
    assert client.get(reverse("profile_settings")).status_code == 302

    link = confirmation_link(mail.outbox[0])
    assert client.get(link).status_code == 200  # a page with a button, not a state change
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("profile_settings")).status_code == 200


def test_login_is_refused_until_the_email_is_verified(client):
    UserFactory(email="unverified@example.test", verified=False)

    response = client.post(
        reverse("account_login"), {"login": "unverified@example.test", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("profile_settings")).status_code == 302


def test_verified_person_logs_in_with_email_in_any_case(client, patient):
    response = client.post(
        reverse("account_login"), {"login": patient.email.upper(), "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.get(reverse("profile_settings")).status_code == 200


def test_a_short_or_common_password_is_refused_with_a_clear_message(client):
    response = signup(client, password="short")
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()

    response = signup(client, password="password1234")
    assert "too common" in response.content.decode()
    assert not User.objects.filter(email="new.person@example.test").exists()


def test_signing_up_with_a_taken_email_looks_the_same_and_creates_nobody(client, patient):
    response = signup(client, email=patient.email)

    # Enumeration prevention: the same redirect a new address gets, and no second account.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email=patient.email).count() == 1
    assert len(mail.outbox) == 1  # the owner hears that someone tried, nothing more
    assert mail.outbox[0].to == [patient.email]


def test_an_unknown_time_zone_from_the_browser_falls_back_to_utc(client):
    signup(client, time_zone="Mars/Olympus_Mons")
    assert User.objects.get(email="new.person@example.test").time_zone == "UTC"


def test_wrong_passwords_hit_the_rate_limit(client, patient):
    url = reverse("account_login")
    for _ in range(5):
        response = client.post(url, {"login": patient.email, "password": "wrong-password-xx"})
        assert response.status_code == 200

    response = client.post(url, {"login": patient.email, "password": PASSWORD})

    # Even the right password is refused while the key is limited: that is the point.
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get(reverse("profile_settings")).status_code == 302


def test_logout_needs_a_post(client, patient):
    client.force_login(patient)

    response = client.get(reverse("account_logout"))
    assert response.status_code == 200  # a confirmation page; still signed in
    assert client.get(reverse("profile_settings")).status_code == 200

    client.post(reverse("account_logout"))
    assert client.get(reverse("profile_settings")).status_code == 302


def test_password_reset_mails_a_link_to_known_addresses_only(client, patient):
    url = reverse("account_reset_password")
    response = client.post(url, {"email": "nobody@example.test"})
    assert response.status_code == 302
    known = client.post(url, {"email": patient.email})
    assert known.status_code == 302
    assert known["Location"] == response["Location"]  # same answer either way

    to_patient = [m for m in mail.outbox if m.to == [patient.email]]
    assert len(to_patient) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", to_patient[0].body)
    assert link

    response = client.get(link.group(1), follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.check_password(NEW_PASSWORD)


def test_password_change_needs_the_old_password(client, patient):
    client.force_login(patient)
    url = reverse("account_change_password")
    data = {"oldpassword": "not-my-password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = client.post(url, data)
    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)

    client.post(url, {**data, "oldpassword": PASSWORD})
    patient.refresh_from_db()
    assert patient.check_password(NEW_PASSWORD)


def test_the_session_cookie_ends_with_the_browser_and_is_http_only(client, patient):
    client.post(reverse("account_login"), {"login": patient.email, "password": PASSWORD})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == ""  # no persistent cookie: gone when the browser closes
    assert cookie["expires"] == ""


def _age_the_session_refresh(client, seconds):
    """Pretend the session's deadline was last moved `seconds` earlier than it was."""
    session = client.session
    session[SESSION_REFRESHED_AT] -= seconds
    session.save()


def test_the_session_expires_after_thirty_idle_minutes_and_activity_after_the_interval_extends_it(
    client, patient, settings
):
    client.post(reverse("account_login"), {"login": patient.email, "password": PASSWORD})
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_REFRESH_INTERVAL == 60
    client.get(reverse("profile_settings"))
    first_expiry = client.session.get_expiry_date()
    assert first_expiry <= timezone.now() + dt.timedelta(minutes=30)

    _age_the_session_refresh(client, 61)  # the last refresh was over a minute ago
    time.sleep(1.1)
    client.get(reverse("profile_settings"))

    assert client.session.get_expiry_date() > first_expiry  # activity moves the deadline
    assert client.cookies["sessionid"]["max-age"] == ""  # still ends with the browser


def test_a_request_within_the_refresh_interval_writes_no_session(
    client, patient, django_assert_max_num_queries
):
    client.post(reverse("account_login"), {"login": patient.email, "password": PASSWORD})
    client.get(reverse("profile_settings"))
    expiry = Session.objects.get(session_key=client.session.session_key).expire_date

    time.sleep(1.1)
    with django_assert_max_num_queries(20) as queries:
        response = client.get(reverse("profile_settings"))

    assert response.status_code == 200
    session_writes = [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    ]
    assert session_writes == []
    assert Session.objects.get(session_key=client.session.session_key).expire_date == expiry


def test_an_idle_session_is_refused_after_the_timeout(client, patient):
    client.post(reverse("account_login"), {"login": patient.email, "password": PASSWORD})
    assert client.get(reverse("profile_settings")).status_code == 200

    # Thirty quiet minutes later, the stored deadline has passed.
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(reverse("profile_settings"))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
