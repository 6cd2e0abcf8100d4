"""Sign-in limits that stop guessing without letting a stranger lock someone out.

Failed sign-ins are counted per address (many accounts tried from one place), per address and
account together (one account guessed from one place), and per account alone with a much
slower limit (guessing spread over many addresses). A stranger's wrong passwords from one
address therefore never stop the real person signing in from another. Behind the TLS proxy
the README recommends, the address is the one the proxy forwards (ALLAUTH_TRUSTED_PROXY_COUNT
or ALLAUTH_TRUSTED_CLIENT_IP_HEADER), or every visitor would share the proxy's.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, CareUserFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
TOO_MANY = "Too many failed login attempts"
STRANGER = "203.0.113.9"
REAL_PERSON = "198.51.100.7"
PROXY = "10.0.0.2"
WRONG = "wrong-password-xx"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Dozens of wrong passwords per test; the hasher is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def attempt(client, email, password=WRONG, **meta):
    return client.post(LOGIN, {"login": email, "password": password}, **meta)


def signed_in(response) -> bool:
    """Past the password: a redirect on, to the second-factor step or a page."""
    return response.status_code == 302 and TOO_MANY not in response.content.decode()


def test_a_strangers_wrong_passwords_do_not_stop_the_real_person_from_another_address():
    clinician = CareUserFactory()
    stranger = Client()
    refused = [
        TOO_MANY in attempt(stranger, clinician.email, REMOTE_ADDR=STRANGER).content.decode()
        for _ in range(12)
    ]

    response = attempt(Client(), clinician.email, PASSWORD, REMOTE_ADDR=REAL_PERSON)

    assert refused[:5] == [False] * 5 and all(refused[5:])  # the stranger is stopped
    assert signed_in(response)
    assert response["Location"] == reverse("mfa_authenticate")


def test_guessing_one_account_from_one_address_is_stopped_even_with_the_right_password(client):
    patient = UserFactory()
    for _ in range(5):
        assert TOO_MANY not in attempt(client, patient.email, REMOTE_ADDR=STRANGER).content.decode()

    response = attempt(client, patient.email, PASSWORD, REMOTE_ADDR=STRANGER)

    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_trying_many_accounts_from_one_address_is_stopped(client):
    for _ in range(10):
        attempt(client, UserFactory().email, REMOTE_ADDR=STRANGER)

    response = attempt(client, UserFactory().email, PASSWORD, REMOTE_ADDR=STRANGER)

    assert TOO_MANY in response.content.decode()
    assert signed_in(attempt(Client(), UserFactory().email, PASSWORD, REMOTE_ADDR=REAL_PERSON))


def test_guessing_spread_over_many_addresses_meets_a_slower_limit_per_account(settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_account": "8/d/key",  # production: 100 a day (config/settings.py)
    }
    patient = UserFactory()
    for i in range(8):
        attempt(Client(), patient.email, REMOTE_ADDR=f"203.0.113.{i // 2 + 1}")

    refused = attempt(Client(), patient.email, PASSWORD, REMOTE_ADDR="203.0.113.77")

    assert TOO_MANY in refused.content.decode()
    assert signed_in(attempt(Client(), UserFactory().email, PASSWORD, REMOTE_ADDR="203.0.113.77"))


def test_one_address_alone_can_never_reach_the_per_account_limit(settings):
    """The per-account limit must be out of reach of one address, or a stranger could still
    lock the account from one place by waiting between tries."""
    from allauth.core.internal.ratelimit import parse_rates

    limits = settings.ACCOUNT_RATE_LIMITS
    per_address_and_account = [r for r in parse_rates(limits["login_failed"]) if r.per == "key"]
    (per_account,) = parse_rates(limits["login_failed_account"])
    most_from_one_address = min(
        r.amount * -(-per_account.duration // r.duration) for r in per_address_and_account
    )
    assert most_from_one_address < per_account.amount


def test_successful_sign_ins_do_not_count_against_the_account(settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_account": "3/d/key",
    }
    patient = UserFactory()

    results = [signed_in(attempt(Client(), patient.email, PASSWORD)) for _ in range(5)]

    assert results == [True] * 5


@pytest.mark.parametrize("trusted", [True, False], ids=["proxy trusted", "proxy not configured"])
def test_behind_the_proxy_clients_are_told_apart_by_the_forwarded_address(settings, trusted):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1 if trusted else 0
    patient, other = UserFactory(), UserFactory()
    stranger = Client()
    for i in range(12):
        # The stranger also forges a first entry; the proxy appends the address it saw.
        forged = f"192.0.2.{i}, {STRANGER}"
        attempt(stranger, patient.email, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forged)

    mine = attempt(
        Client(), other.email, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=REAL_PERSON
    )
    theirs = attempt(
        stranger,
        patient.email,
        PASSWORD,
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"192.0.2.99, {STRANGER}",
    )

    # Untrusted, everyone shares the proxy's address: ten failures anywhere stop everyone.
    assert signed_in(mine) is trusted
    assert TOO_MANY in theirs.content.decode()  # forged entries never reset the count


def test_a_trusted_client_address_header_tells_clients_apart(settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    patient, other = UserFactory(), UserFactory()
    for _ in range(12):
        attempt(Client(), patient.email, REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=STRANGER)

    mine = attempt(Client(), other.email, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=REAL_PERSON)

    assert signed_in(mine)


def test_a_request_with_fewer_forwarded_addresses_than_proxies_is_not_an_error(settings, client):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    patient = UserFactory()

    response = attempt(
        client, patient.email, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=STRANGER
    )

    assert signed_in(response)
