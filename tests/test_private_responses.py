"""What a response leaves behind in the browser: no health data in cookies, nothing stored."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from careteam.models import Membership
from tests.factories import CareUserFactory, MembershipFactory
from tests.urlwalk import our_routes

pytestmark = pytest.mark.django_db

# Every app whose pages show or take someone's data. A new app belongs here.
NO_STORE_APPS = {"journal", "careteam", "accounts", "allauth"}
# The app shell: the same bytes for everyone, named nobody, kept by the service worker.
MAY_BE_STORED = {"app_manifest", "service_worker", "offline"}


def set_cookie_headers(response) -> str:
    return "\n".join(morsel.OutputString() for morsel in response.cookies.values())


def test_a_questionnaire_score_is_never_in_a_cookie(patient_client):
    answers = {f"item_{n}": "2" for n in range(1, 10)}
    answers["item_9"] = "0"
    response = patient_client.post(
        reverse("questionnaire_fill", args=["phq9"]),
        {**answers, "submission_key": str(uuid.uuid4())},
    )

    assert response.status_code == 302
    assert "messages" not in response.cookies
    assert "16" not in set_cookie_headers(response)
    # Still said, once, on the next page: the message waits in the server-side session.
    page = patient_client.get(response["Location"]).content.decode()
    assert "score is 16" in page
    assert "score is 16" not in patient_client.get(response["Location"]).content.decode()


def test_an_invited_address_is_never_in_a_cookie(client):
    admin = CareUserFactory()
    team = MembershipFactory(user=admin, role=Membership.Role.TEAM_ADMIN).team
    client.force_login(admin)
    address = "cookie.check.colleague@clinic.test"

    response = client.post(
        reverse("careteam:team", kwargs={"team_id": team.pk}),
        {"action": "member", "email": address, "role": "coach"},
    )

    assert response.status_code == 302
    headers = set_cookie_headers(response)
    assert "cookie.check" not in headers and "messages" not in response.cookies
    assert address in client.get(response["Location"]).content.decode()


def test_the_url_walk_finds_the_pages_it_must_cover():
    names = {r.name for r in our_routes(NO_STORE_APPS)}
    assert {"trends", "data_export", "careteam:patient", "careteam:dashboard"} <= names
    assert {"profile_settings", "account_login", "import_start"} <= names


@pytest.mark.parametrize("persona", ["patient", "clinician", "anonymous"])
def test_every_page_of_the_journal_care_team_and_export_is_sent_no_store(persona, patient):
    client = Client()
    if persona == "patient":
        client.force_login(patient)
    elif persona == "clinician":
        client.force_login(CareUserFactory())
    stored = []
    for route in our_routes(NO_STORE_APPS):
        if route.name in MAY_BE_STORED:
            assert getattr(route.view, "holds_no_personal_data", False), route.name
            continue
        response = client.get(route.url())
        cache_control = response.get("Cache-Control", "")
        if "no-store" not in cache_control or "private" not in cache_control:
            stored.append((route.name, response.status_code, cache_control))
    assert stored == []


def test_only_the_app_shell_says_it_holds_no_personal_data():
    marked = {
        r.name
        for r in our_routes(NO_STORE_APPS)
        if getattr(r.view, "holds_no_personal_data", False)
    }
    assert marked == MAY_BE_STORED
