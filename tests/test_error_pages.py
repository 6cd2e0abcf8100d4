import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_kind_and_keeps_the_help_link(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "couldn't find that page" in body
    assert 'href="/help/"' in body


def test_a_stale_form_gets_a_plain_explanation_not_a_crash(patient):
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)
    response = client.post(reverse("profile_settings"), {"display_name": "x"})
    assert response.status_code == 403
    assert "Please try that again" in response.content.decode()
