"""Questionnaires the clinic schedules (issue 17): a team sets, on its share, how often a
patient is asked for the PHQ-9 and GAD-7. The home page and the reminder agree on it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from careteam.models import AccessEvent, QuestionnaireRhythm, Share
from journal.care import care_teams
from journal.models import QuestionnaireResponse
from journal.reminders.due import questionnaire_cycles
from journal.selectors import questionnaires_due
from tests.factories import (
    CareTeamFactory,
    CareUserFactory,
    MembershipFactory,
    QuestionnaireResponseFactory,
    ShareFactory,
)
from tests.journal.test_courses import book


def rhythm_url(patient):
    return reverse("careteam:questionnaire_rhythm", args=[patient.public_id])


def post_rhythm(client, patient, phq9="", gad7="", gad7_before=False):
    data = {"phq9_every_days": phq9, "gad7_every_days": gad7}
    if gad7_before:
        data["gad7_before_session"] = "on"
    return client.post(rhythm_url(patient), data)


def filled(patient, instrument, days_ago):
    today = patient.today()
    QuestionnaireResponseFactory(
        patient=patient,
        instrument=instrument,
        answers=[1] * (9 if instrument == "phq9" else 7),
        day=today - dt.timedelta(days=days_ago),
        submitted_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def due(patient, instrument) -> bool:
    [status] = [
        s
        for s in questionnaires_due(patient=patient, today=patient.today())
        if s.instrument == instrument
    ]
    return status.due


def reminder_due(patient, instrument) -> bool:
    """The reminder's rule, fed as reminders_due feeds it."""
    last = {
        (patient.pk, r.instrument): r.day
        for r in QuestionnaireResponse.objects.filter(patient=patient).order_by("day")
    }
    rhythms = care_teams().questionnaire_rhythms([patient.pk])
    cycles = questionnaire_cycles(last, patient.pk, patient.today(), rhythms)
    return any(c.startswith(f"{instrument}:") for c in cycles)


@pytest.fixture(autouse=True)
def _default_days(settings):
    settings.QUESTIONNAIRE_DUE_DAYS = 14


@pytest.mark.parametrize(("days_ago", "expected"), [(6, False), (7, True)])
def test_a_team_rhythm_of_7_days_is_due_at_7_not_6_on_the_home_page_and_the_reminder(
    client, world, days_ago, expected
):
    client.force_login(world.clinician)
    assert post_rhythm(client, world.patient, phq9="7").status_code == 302
    filled(world.patient, "phq9", days_ago)
    # The fixture's own PHQ-9 is today's: only the older one, as the latest, counts here.
    QuestionnaireResponse.objects.filter(patient=world.patient, day=world.patient.today()).delete()
    assert due(world.patient, "phq9") is expected
    assert reminder_due(world.patient, "phq9") is expected


@pytest.mark.parametrize(("days_ago", "expected"), [(13, False), (14, True)])
def test_without_a_rhythm_the_default_14_days_holds_on_both_sides(patient, days_ago, expected):
    filled(patient, "gad7", days_ago)
    assert due(patient, "gad7") is expected
    assert reminder_due(patient, "gad7") is expected


def test_the_override_makes_due_what_the_default_would_not(client, world):
    QuestionnaireResponse.objects.filter(patient=world.patient).delete()
    filled(world.patient, "gad7", 10)
    assert not due(world.patient, "gad7")
    client.force_login(world.out_of_scope)  # trends only is enough
    post_rhythm(client, world.patient, gad7="10")
    assert due(world.patient, "gad7")
    assert reminder_due(world.patient, "gad7")
    # Another patient of the same team is not touched.
    filled(world.other_patient, "gad7", 10)
    ShareFactory(patient=world.other_patient, team=world.team_b)
    assert not due(world.other_patient, "gad7")
    assert not reminder_due(world.other_patient, "gad7")


def test_where_two_teams_set_one_the_most_frequent_wins_and_both_are_named(client, world):
    client.force_login(world.clinician)
    post_rhythm(client, world.patient, phq9="10")
    client.force_login(world.out_of_scope)
    post_rhythm(client, world.patient, phq9="7")
    rhythm = care_teams().questionnaire_rhythms([world.patient.pk])[world.patient.pk, "phq9"]
    assert rhythm.every_days == 7
    assert set(rhythm.teams) == {world.team_a.name, world.team_b.name}
    # Each team's own share holds its own request.
    assert QuestionnaireRhythm.objects.get(share=world.share_a).every_days == 10
    assert QuestionnaireRhythm.objects.get(share=world.share_b).every_days == 7

    client.force_login(world.patient)
    page = client.get(reverse("questionnaires")).content.decode()
    assert world.team_a.name in page and world.team_b.name in page
    assert "every 7 days" in page
    assert "the most frequent applies" in page
    assert world.team_a.name in client.get(reverse("home")).content.decode()


def test_a_revoked_share_stops_the_override(client, world):
    QuestionnaireResponse.objects.filter(patient=world.patient).delete()
    filled(world.patient, "phq9", 7)
    client.force_login(world.out_of_scope)
    post_rhythm(client, world.patient, phq9="7")
    assert due(world.patient, "phq9")
    Share.objects.filter(pk=world.share_b.pk).update(revoked_at=timezone.now())
    assert not due(world.patient, "phq9")
    assert not reminder_due(world.patient, "phq9")
    client.force_login(world.patient)
    client_page = client.get(reverse("questionnaires")).content.decode()
    assert world.team_b.name not in client_page


def test_the_gad7_before_each_session_only_when_a_team_asks(client, world):
    patient = world.patient
    QuestionnaireResponse.objects.filter(patient=patient).delete()
    filled(patient, "gad7", 3)
    book(patient, 20)
    assert not due(patient, "gad7")
    client.force_login(world.clinician)
    post_rhythm(client, patient, gad7_before=True)
    assert due(patient, "gad7")
    client.force_login(patient)
    assert "before each session" in client.get(reverse("questionnaires")).content.decode()


@pytest.mark.parametrize("viewer", ["unshared", "revoked", "patient"])
def test_without_the_trends_scope_the_door_refuses_with_404_and_nothing_is_set(
    client, world, viewer
):
    client.force_login(getattr(world, viewer))
    assert post_rhythm(client, world.patient, phq9="3").status_code == 404
    assert not QuestionnaireRhythm.objects.exists()
    if viewer != "patient":
        assert AccessEvent.objects.filter(
            viewer=getattr(world, viewer), what="questionnaire_rhythm", allowed=False
        ).exists()


def test_a_team_setting_is_logged_for_the_patient(client, world):
    client.force_login(world.clinician)
    post_rhythm(client, world.patient, phq9="7")
    assert AccessEvent.objects.filter(
        viewer=world.clinician, patient=world.patient, what="questionnaire_rhythm", allowed=True
    ).exists()


@pytest.mark.parametrize(("value", "ok"), [("0", False), ("1", True), ("90", True), ("91", False)])
def test_the_days_are_between_1_and_90_with_a_clear_message(client, world, value, ok):
    client.force_login(world.clinician)
    response = post_rhythm(client, world.patient, phq9=value)
    assert response.status_code == (302 if ok else 400)
    assert QuestionnaireRhythm.objects.exists() is ok
    if not ok:
        assert "Ensure this value is" in response.content.decode()


def test_a_double_submit_makes_one_row_and_empty_goes_back_to_the_default(client, world):
    client.force_login(world.clinician)
    post_rhythm(client, world.patient, phq9="7")
    post_rhythm(client, world.patient, phq9="7")
    assert QuestionnaireRhythm.objects.count() == 1
    post_rhythm(client, world.patient)
    assert not QuestionnaireRhythm.objects.exists()


def test_a_member_of_two_teams_sets_it_on_each_share(client, world):
    both = CareUserFactory.create()
    MembershipFactory(team=world.team_a, user=both)
    MembershipFactory(team=world.team_b, user=both)
    client.force_login(both)
    post_rhythm(client, world.patient, gad7="5")
    assert QuestionnaireRhythm.objects.filter(instrument="gad7").count() == 2
    CareTeamFactory()  # a team with no share changes nothing


def test_the_patient_pages_cost_the_same_queries_whatever_the_history(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.clinician)
    post_rhythm(client, world.patient, phq9="7", gad7="5", gad7_before=True)
    client.force_login(world.out_of_scope)
    post_rhythm(client, world.patient, phq9="9")
    client.force_login(world.patient)

    def counts():
        out = []
        for name in ("home", "questionnaires"):
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse(name)).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    counts()  # the first look warms the session and caches
    before = counts()
    for days_ago in range(1, 80):
        filled(world.patient, "phq9" if days_ago % 2 else "gad7", days_ago)
    assert counts() == before


def test_the_patient_reads_the_setting_in_plain_words_in_who_viewed(client, world):
    client.force_login(world.clinician)
    post_rhythm(client, world.patient, phq9="7")
    client.force_login(world.patient)
    page = client.get(reverse("careteam:access_log")).content.decode()
    assert "your questionnaires, to set how often they ask for them" in page
