"""A safety plan made with the care team: the "My safety plan" scope (off by default) lets a
team read the plan and suggest additions; the patient accepts or declines each, and nothing in
the plan changes without them."""

import re

import pytest
from django.urls import reverse

from careteam.models import AccessEvent, PlanSuggestion, Share
from journal.access import Scope
from journal.models import SafetyPlan
from tests.factories import (
    CareTeamFactory,
    CareUserFactory,
    MembershipFactory,
    ShareFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def together(clinician):
    team = CareTeamFactory(name="Harbour Clinic")
    MembershipFactory(team=team, user=clinician)
    patient = UserFactory(display_name="Marlowe")
    share = ShareFactory(patient=patient, team=team, scope=Scope.TRENDS | Scope.SAFETY_PLAN)
    SafetyPlan.objects.create(
        patient=patient, coping_strategies="A walk by the river", people_to_ask="Jo: 07700 900123"
    )
    return team, patient, share


def plan_url(patient):
    return reverse("careteam:patient_safety_plan", args=[patient.public_id])


def suggest(client, member, patient, section="coping_strategies", text="Call your sister"):
    client.force_login(member)
    return client.post(
        reverse("careteam:plan_suggest", args=[patient.public_id]),
        {"section": section, "text": text},
    )


def test_the_safety_plan_box_is_off_for_a_new_share(patient_client):
    form = patient_client.get(reverse("careteam:sharing")).content.decode()
    box = re.search(r'<input[^>]*name="scope_safety_plan"[^>]*>', form).group(0)
    assert "checked" not in box


def test_the_team_reads_the_plan_only_with_the_scope(client, clinician, together):
    _, patient, share = together
    client.force_login(clinician)

    body = client.get(plan_url(patient)).content.decode()
    assert "A walk by the river" in body
    assert 'href="tel:07700900123"' in body  # tappable for the team too
    event = AccessEvent.objects.get(viewer=clinician, patient=patient)
    assert (event.what, event.allowed) == ("safety_plan", True)
    assert (
        ">Safety plan</a>"
        in client.get(reverse("careteam:patient", args=[patient.public_id])).content.decode()
    )

    Share.objects.filter(pk=share.pk).update(scope=Scope.TRENDS)
    assert client.get(plan_url(patient)).status_code == 404
    assert (
        ">Safety plan</a>"
        not in client.get(reverse("careteam:patient", args=[patient.public_id])).content.decode()
    )


def test_a_suggestion_changes_nothing_until_the_patient_accepts_it(client, clinician, together):
    team, patient, _ = together
    other = UserFactory()
    ShareFactory(patient=other, team=team, scope=Scope.TRENDS | Scope.SAFETY_PLAN)

    response = suggest(client, clinician, patient, text="Text Jo: 07700 900123")

    assert response.status_code == 302
    suggestion = PlanSuggestion.objects.get()
    assert (suggestion.patient, suggestion.team, suggestion.status) == (patient, team, "pending")
    assert not PlanSuggestion.objects.filter(patient=other).exists()
    plan = SafetyPlan.objects.get(patient=patient)
    assert plan.coping_strategies == "A walk by the river"
    assert AccessEvent.objects.filter(what="plan_suggestion", patient=patient).count() == 1

    client.force_login(patient)
    home = client.get(reverse("home")).content.decode()
    assert "Your care team suggested an addition to your safety plan" in home
    page = client.get(reverse("safety_plan")).content.decode()
    assert "Suggested by your care team" in page
    assert "Step 2: Things I can do on my own to feel better" in page
    assert "Text Jo: 07700 900123" in page

    response = client.post(
        reverse("plan_suggestion_decide", args=[suggestion.pk]), {"decision": "accept"}
    )

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.coping_strategies == "A walk by the river\nText Jo: 07700 900123"
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted" and suggestion.decided_at is not None
    # Decided once: the same post again is a 404 and adds nothing.
    again = client.post(
        reverse("plan_suggestion_decide", args=[suggestion.pk]), {"decision": "accept"}
    )
    assert again.status_code == 404
    plan.refresh_from_db()
    assert plan.coping_strategies.count("Text Jo") == 1
    client.force_login(clinician)
    assert "Added to the plan" in client.get(plan_url(patient)).content.decode()


def test_declining_leaves_the_plan_as_it_was(client, clinician, together):
    _, patient, _ = together
    suggest(client, clinician, patient, section="reasons_for_living", text="Your dog, Pepper")
    suggestion = PlanSuggestion.objects.get()
    client.force_login(patient)

    client.post(reverse("plan_suggestion_decide", args=[suggestion.pk]), {"decision": "decline"})

    assert SafetyPlan.objects.get(patient=patient).reasons_for_living == ""
    suggestion.refresh_from_db()
    assert suggestion.status == "declined"
    client.force_login(clinician)
    assert "Declined" in client.get(plan_url(patient)).content.decode()


def test_accepting_starts_a_plan_for_a_patient_who_had_none(client, clinician, together):
    team, _, _ = together
    newcomer = UserFactory()
    ShareFactory(patient=newcomer, team=team, scope=Scope.TRENDS | Scope.SAFETY_PLAN)
    suggest(client, clinician, newcomer, section="warning_signs", text="Not sleeping")
    client.force_login(newcomer)
    client.post(
        reverse("plan_suggestion_decide", args=[PlanSuggestion.objects.get().pk]),
        {"decision": "accept"},
    )
    assert SafetyPlan.objects.get(patient=newcomer).warning_signs == "Not sleeping"


def test_another_patient_cannot_decide_a_suggestion(client, clinician, together):
    _, patient, _ = together
    suggest(client, clinician, patient)
    suggestion = PlanSuggestion.objects.get()
    client.force_login(UserFactory())

    response = client.post(
        reverse("plan_suggestion_decide", args=[suggestion.pk]), {"decision": "accept"}
    )

    assert response.status_code == 404
    suggestion.refresh_from_db()
    assert suggestion.status == "pending"
    assert SafetyPlan.objects.get(patient=patient).coping_strategies == "A walk by the river"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"section": "hopes", "text": "x"}, "Select a valid choice"),
        ({"section": "warning_signs", "text": "   "}, "This field is required"),
        ({"section": "warning_signs", "text": "x" * 1001}, "at most 1000 characters"),
    ],
)
def test_bad_suggestions_get_a_clear_message(client, clinician, together, data, message):
    _, patient, _ = together
    response = suggest(client, clinician, patient, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PlanSuggestion.objects.exists()


def test_a_suggestion_that_would_overflow_a_step_is_refused_kindly(client, clinician, together):
    _, patient, _ = together
    SafetyPlan.objects.filter(patient=patient).update(coping_strategies="y" * 2995)
    suggest(client, clinician, patient, text="a longer addition")
    client.force_login(patient)

    response = client.post(
        reverse("plan_suggestion_decide", args=[PlanSuggestion.objects.get().pk]),
        {"decision": "accept"},
        follow=True,
    )

    assert "would be too long with this added" in response.content.decode()
    assert PlanSuggestion.objects.get().status == "pending"
    assert SafetyPlan.objects.get(patient=patient).coping_strategies == "y" * 2995


def test_a_team_the_patient_stopped_sharing_with_no_longer_suggests(client, clinician, together):
    _, patient, share = together
    suggest(client, clinician, patient)
    Share.objects.filter(pk=share.pk).update(scope=Scope.TRENDS)
    client.force_login(patient)
    assert "Suggested by your care team" not in client.get(reverse("safety_plan")).content.decode()


def test_members_of_other_teams_do_not_see_this_team_s_suggestions(client, clinician, together):
    _, patient, _ = together
    suggest(client, clinician, patient, text="MARKER-SUGGESTION")
    other_team = CareTeamFactory()
    stranger = CareUserFactory()
    MembershipFactory(team=other_team, user=stranger)
    ShareFactory(patient=patient, team=other_team, scope=Scope.TRENDS | Scope.SAFETY_PLAN)
    client.force_login(stranger)
    assert "MARKER-SUGGESTION" not in client.get(plan_url(patient)).content.decode()
