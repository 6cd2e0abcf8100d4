import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from careteam.models import AccessEvent, ContactDetails, Outreach, Share
from journal.access import EVERYTHING
from journal.models import Signal
from tests.factories import (
    QuestionnaireResponseFactory,
    SignalFactory,
    TreatmentSessionFactory,
    daily_history,
)

from .conftest import INSIGHT_MARKER, NOTE_MARKER

pytestmark = pytest.mark.django_db


def trends_url(patient):
    return reverse("careteam:patient", kwargs={"public_id": patient.public_id})


def notes_url(patient):
    return reverse("careteam:patient_notes", kwargs={"public_id": patient.public_id})


def test_the_trends_page_shows_numbers_questionnaires_and_sessions_but_no_words(client, world):
    client.force_login(world.out_of_scope)

    response = client.get(trends_url(world.patient))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<td>3</td>" in body  # the check-in's mood
    assert "PHQ-9" in body
    assert "moderate" in body  # 2*5 + 1*3 = 13
    assert "IV infusion" in body
    assert NOTE_MARKER not in body
    assert INSIGHT_MARKER not in body
    assert "Notes and session insights" not in body  # no tab to a page they cannot open


def test_the_notes_page_shows_notes_and_session_insights_with_notes_scope(client, world):
    client.force_login(world.clinician)

    body = client.get(notes_url(world.patient)).content.decode()

    assert NOTE_MARKER in body
    assert INSIGHT_MARKER in body
    assert AccessEvent.objects.get(viewer=world.clinician, what="notes").allowed is True


def test_a_team_member_acknowledges_a_signal_and_the_team_sees_who(client, world):
    client.force_login(world.clinician)

    response = client.post(
        reverse(
            "careteam:signal_acknowledge",
            kwargs={"public_id": world.patient.public_id, "signal_id": world.signal.pk},
        )
    )

    assert response.status_code == 302
    world.signal.refresh_from_db()
    assert world.signal.acknowledged_by == world.clinician
    assert world.signal.acknowledged_at is not None
    client.force_login(world.out_of_scope)
    body = client.get(trends_url(world.patient)).content.decode()
    assert f"Seen by {world.clinician.display_name}" in body


def test_a_signal_of_another_patient_cannot_be_acknowledged_through_this_patient(client, world):
    stranger_signal = SignalFactory()
    client.force_login(world.clinician)

    client.post(
        reverse(
            "careteam:signal_acknowledge",
            kwargs={"public_id": world.patient.public_id, "signal_id": stranger_signal.pk},
        )
    )

    stranger_signal.refresh_from_db()
    assert stranger_signal.acknowledged_at is None


def test_acknowledging_needs_a_post(client, world):
    client.force_login(world.clinician)
    url = reverse(
        "careteam:signal_acknowledge",
        kwargs={"public_id": world.patient.public_id, "signal_id": world.signal.pk},
    )
    assert client.get(url).status_code == 405
    assert Signal.objects.get(pk=world.signal.pk).acknowledged_at is None


def test_the_team_pages_have_no_form_that_writes_journal_data(client, world):
    client.force_login(world.clinician)
    for url in (trends_url(world.patient), notes_url(world.patient)):
        body = client.get(url).content.decode()
        actions = [part.split('"')[1] for part in body.split("action=")[1:] if part.startswith('"')]
        # Log out and "Stay signed in" (base.html: the session only), "mark as seen" and
        # recording an outreach (the team's own record) and how often to ask the questionnaires
        # (the team's own request, on its share) are all a team member can post.
        assert all(
            a.endswith(("/acknowledge/", "/outreach/", "/questionnaire-rhythm/"))
            or a in (reverse("account_logout"), reverse("keep_alive"))
            for a in actions
        )


def test_the_team_sees_the_patients_charts_in_every_range_and_no_words_in_them(client, world):
    from journal.models import CheckIn
    from journal.weekly import weekly_summaries_rebuild

    daily_history(world.patient, days=120, end=world.checkin.day - dt.timedelta(days=1))
    CheckIn.objects.filter(patient=world.patient).update(note=f"{NOTE_MARKER} a private day")
    weekly_summaries_rebuild(patient_ids=[world.patient.pk])
    client.force_login(world.out_of_scope)  # trends only: notes are not theirs to see

    for range_key in ("30d", "90d", "1y", "all"):
        body = client.get(trends_url(world.patient), {"range": range_key}).content.decode()
        assert body.count("data-figure=") >= 3, range_key
        assert 'type="application/json"' in body
        assert NOTE_MARKER not in body


def test_patient_pages_cost_the_same_queries_with_years_of_history(
    client, world, django_assert_max_num_queries
):
    patient = world.patient
    daily_history(patient, days=3 * 365, end=timezone.localdate() - dt.timedelta(days=2))
    for i in range(60):
        QuestionnaireResponseFactory(
            patient=patient, submitted_at=timezone.now() - dt.timedelta(days=14 * i)
        )
        TreatmentSessionFactory(patient=patient, insights=f"insight {i}")
        # Sixty rested cards (one kind has one open card at a time) and outreach records.
        SignalFactory(patient=patient, resolved_at=timezone.now(), resolution="cleared")
        Outreach.objects.create(
            patient=patient,
            team=world.team_a,
            by=world.clinician,
            by_name="Dr Reyes",
            at=timezone.now() - dt.timedelta(days=i % 30),
            how="phone",
            outcome="spoke",
            note=f"note {i}",
        )
    ContactDetails.objects.create(patient=patient, phone="07700 900123")
    Share.objects.filter(pk=world.share_a.pk).update(scope=EVERYTHING)
    client.force_login(world.clinician)

    # The trends page includes the patient's charts (8 queries of their own, whatever the range:
    # courses and medication changes included), the team's outreach records, how to reach the
    # patient, the log line for that look and the team's questionnaire rhythm.
    for url in (trends_url(patient), notes_url(patient)):
        with django_assert_max_num_queries(25):
            assert client.get(url).status_code == 200
