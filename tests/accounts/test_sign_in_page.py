"""The sign-in page served again to cookie-less first visits: the same page with fresh CSRF
tokens that work, and allauth itself for everyone else."""

import re

import pytest
from django.urls import reverse

from accounts import sign_in
from tests.factories import PASSWORD, UserFactory

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _no_kept_page():
    sign_in._pages.clear()
    yield
    sign_in._pages.clear()


def without_tokens(response) -> str:
    return TOKEN.sub("", response.content.decode())


@pytest.mark.django_db
def test_a_first_visit_gets_the_same_page_with_fresh_working_tokens(client_factory):
    first = client_factory().get(reverse("account_login"))
    assert sign_in._pages  # kept for the next visitor
    second_client = client_factory()
    second = second_client.get(reverse("account_login"))

    assert first.status_code == second.status_code == 200
    assert without_tokens(first) == without_tokens(second)
    tokens = TOKEN.findall(second.content.decode())
    assert len(tokens) == 2 and tokens[0] != tokens[1]  # the sign-in and the passkey forms
    assert tokens[0] not in TOKEN.findall(first.content.decode())
    assert "csrftoken" in second.cookies

    user = UserFactory()
    signed_in = second_client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD, "csrfmiddlewaretoken": tokens[0]},
    )
    assert signed_in.status_code == 302
    assert second_client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_anyone_with_a_cookie_or_a_next_page_gets_allauth_itself(client, client_factory):
    client_factory().get(reverse("account_login"))  # the kept page exists
    page, headers = next(iter(sign_in._pages.values()))
    sign_in._pages["testserver"] = (page.replace("Sign In", "KEPT COPY"), headers)

    fresh = client_factory().get(reverse("account_login"))
    with_next = client_factory().get(reverse("account_login") + "?next=/checkin/")
    client.cookies["sessionid"] = "whatever"
    with_session = client.get(reverse("account_login"))

    assert "KEPT COPY" in fresh.content.decode()
    assert "KEPT COPY" not in with_next.content.decode()
    assert 'value="/checkin/"' in with_next.content.decode()
    assert "KEPT COPY" not in with_session.content.decode()


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client
