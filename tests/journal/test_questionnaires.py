import datetime as dt
import uuid

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from journal.models import QuestionnaireResponse, SafetyPlan, Signal
from journal.signals import urgent_signal_record
from tests.factories import CareTeamFactory, QuestionnaireResponseFactory, ShareFactory
from tests.services import require_postgres

pytestmark = pytest.mark.django_db


def answers_post(answers, key=None, **extra):
    data = {f"item_{n}": str(a) for n, a in enumerate(answers, start=1)}
    data["submission_key"] = str(key or uuid.uuid4())
    data.update(extra)
    return data


def test_the_phq9_page_has_the_standard_wording_and_answers(patient_client):
    body = patient_client.get(reverse("questionnaire_fill", args=["phq9"])).content.decode()

    assert "Over the last 2 weeks, how often have you been bothered" in body
    assert "Little interest or pleasure in doing things" in body
    assert "Thoughts that you would be better off dead or of hurting yourself in some way" in body
    for label in ("Not at all", "Several days", "More than half the days", "Nearly every day"):
        assert label in body
    assert body.count("<fieldset") == 9
    assert 'name="submission_key"' in body


def test_the_score_is_computed_on_the_server_and_a_posted_total_is_ignored(patient_client, patient):
    response = patient_client.post(
        reverse("questionnaire_fill", args=["phq9"]),
        answers_post([3, 3, 2, 2, 1, 1, 0, 0, 0], total="0", band="minimal"),
    )

    assert response.status_code == 302
    row = QuestionnaireResponse.objects.get(patient=patient)
    assert (row.instrument, row.total, row.band, row.item9) == ("phq9", 12, "moderate", 0)
    assert row.answers == [3, 3, 2, 2, 1, 1, 0, 0, 0]
    assert row.day == patient.today()
    follow = patient_client.get(response["Location"]).content.decode()
    assert "score is 12 (moderate)" in follow


def test_gad7_is_scored_with_its_own_bands(patient_client, patient):
    patient_client.post(
        reverse("questionnaire_fill", args=["gad7"]), answers_post([3, 3, 3, 3, 3, 0, 0])
    )
    row = QuestionnaireResponse.objects.get(patient=patient)
    assert (row.total, row.band, row.item9) == (15, "severe", None)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([1] * 8, "Please choose an answer for this question."),
        ([1] * 8 + [4], "Please choose one of the four answers."),
        ([1] * 8 + ["x"], "Please choose one of the four answers."),
    ],
)
def test_missing_or_out_of_range_answers_get_a_clear_error(patient_client, answers, message):
    response = patient_client.post(
        reverse("questionnaire_fill", args=["phq9"]), answers_post(answers)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_a_form_without_its_submission_key_is_refused_kindly(patient_client):
    data = answers_post([0] * 9)
    data["submission_key"] = "not-a-uuid"
    response = patient_client.post(reverse("questionnaire_fill", args=["phq9"]), data)
    assert response.status_code == 200
    assert "This form has expired" in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_a_double_submit_makes_one_row(patient_client, patient):
    key = uuid.uuid4()
    url = reverse("questionnaire_fill", args=["gad7"])
    first = patient_client.post(url, answers_post([1] * 7, key))
    second = patient_client.post(url, answers_post([1] * 7, key))

    assert first.status_code == second.status_code == 302
    assert QuestionnaireResponse.objects.filter(patient=patient).count() == 1


def test_another_patients_submission_key_is_refused(patient_client, other_patient):
    theirs = QuestionnaireResponseFactory(patient=other_patient)
    response = patient_client.post(
        reverse("questionnaire_fill", args=["phq9"]), answers_post([0] * 9, theirs.submission_key)
    )
    assert response.status_code == 200
    assert "This form has expired" in response.content.decode()
    assert QuestionnaireResponse.objects.count() == 1


def test_an_unknown_questionnaire_is_not_found(patient_client):
    assert patient_client.get("/questionnaires/bdi/").status_code == 404


def test_item9_above_zero_shows_the_safety_flow_in_the_same_response(patient_client, patient):
    team = CareTeamFactory(name="Harbour Clinic", crisis_note="On-call nurse: 555-0199")
    ShareFactory(patient=patient, team=team)
    SafetyPlan.objects.create(patient=patient, people_to_ask="My sister Jo, 555-0142")

    response = patient_client.post(
        reverse("questionnaire_fill", args=["phq9"]), answers_post([0, 0, 0, 0, 0, 0, 0, 0, 1])
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "You don't have to face this alone" in body
    assert "988 Suicide &amp; Crisis Lifeline" in body
    assert 'On-call nurse: <a class="tappable" href="tel:5550199"' in body
    assert 'My sister Jo, <a class="tappable" href="tel:5550142"' in body
    assert "Harbour Clinic" in body
    row = QuestionnaireResponse.objects.get(patient=patient)
    assert (row.total, row.band, row.item9) == (1, "minimal", 1)
    signal = Signal.objects.get(patient=patient)
    assert (signal.kind, signal.dedupe_key, signal.started_on) == (
        "urgent_item9",
        str(row.pk),
        row.day,
    )
    assert mail.outbox == []


def test_a_double_submit_with_item9_records_one_signal_and_shows_help_both_times(
    patient_client, patient
):
    data = answers_post([0] * 8 + [2])
    url = reverse("questionnaire_fill", args=["phq9"])
    first = patient_client.post(url, data)
    second = patient_client.post(url, data)

    assert "988" in first.content.decode() and "988" in second.content.decode()
    assert Signal.objects.filter(patient=patient).count() == 1


def test_item9_at_zero_records_no_signal(patient_client):
    patient_client.post(reverse("questionnaire_fill", args=["phq9"]), answers_post([3] * 8 + [0]))
    assert not Signal.objects.exists()


def test_the_urgent_signal_service_is_idempotent(patient):
    day = patient.today()
    first = urgent_signal_record(
        patient=patient, kind="urgent_checkin", dedupe_key=day.isoformat(), started_on=day
    )
    again = urgent_signal_record(
        patient=patient, kind="urgent_checkin", dedupe_key=day.isoformat(), started_on=day
    )
    assert first.pk == again.pk
    assert Signal.objects.count() == 1
    assert first.is_urgent
    with pytest.raises(ValueError):
        urgent_signal_record(
            patient=patient, kind="sustained_slide", dedupe_key="x", started_on=day
        )


def test_questionnaires_are_due_when_never_filled_or_after_the_interval(
    patient_client, patient, settings
):
    settings.QUESTIONNAIRE_DUE_DAYS = 14
    today = patient.today()
    now = timezone.now()
    QuestionnaireResponseFactory(
        patient=patient, instrument="phq9", day=today - dt.timedelta(days=13), submitted_at=now
    )
    body = patient_client.get(reverse("home")).content.decode()
    assert "Fill in the GAD-7" in body
    assert "Fill in the PHQ-9" not in body

    QuestionnaireResponse.objects.update(day=today - dt.timedelta(days=14))
    assert "Fill in the PHQ-9" in patient_client.get(reverse("home")).content.decode()


def test_the_questionnaire_page_lists_past_scores_of_this_patient_only(
    patient_client, patient, other_patient
):
    QuestionnaireResponseFactory(patient=patient, answers=[2] * 9, band="moderately severe")
    QuestionnaireResponseFactory(patient=other_patient, answers=[3] * 9, band="severe")

    body = patient_client.get(reverse("questionnaires")).content.decode()

    assert "<td>18</td>" in body
    assert "<td>27</td>" not in body


def test_the_database_refuses_an_impossible_total_and_a_reused_key(patient):
    require_postgres()
    row = QuestionnaireResponseFactory(patient=patient)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuestionnaireResponseFactory(patient=patient, instrument="gad7", answers=[3] * 7, total=22)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuestionnaireResponseFactory(patient=patient, submission_key=row.submission_key)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuestionnaireResponseFactory(patient=patient, answers=[0] * 8 + [4])
    assert QuestionnaireResponse.objects.count() == 1
