"""The path from a patient's saves to their weekly summary and early-warning signals: a check-in
recomputes its week and then the signals, a questionnaire the signals alone."""

import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse

from journal.models import Signal, WeeklySummary
from tests.conftest import wait_for
from tests.factories import daily_history, scored_questionnaire

from .conftest import checkin_post


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_saving_a_check_in_recomputes_the_week_and_signals_on_a_real_worker(
    celery_worker_process, client, patient
):
    today = patient.today()
    # Six weeks of usual days, then two weeks of a slide across mood, energy and sleep, ending
    # the day before today; today's check-in through the form is the last straw.
    daily_history(
        patient,
        days=42,
        end=today - dt.timedelta(days=15),
        mood=lambda i: 7,
        energy=lambda i: 7,
        sleep_hours=lambda i: 8,
    )
    daily_history(
        patient,
        days=14,
        end=today - dt.timedelta(days=1),
        mood=lambda i: 3,
        energy=lambda i: 3,
        sleep_hours=lambda i: 5,
    )
    client.force_login(patient)

    response = client.post(
        reverse("checkin"), checkin_post(mood="3", energy="3", sleep_hours="5.0")
    )

    assert response.status_code == 302
    monday = today - dt.timedelta(days=today.weekday())
    summary = wait_for(
        lambda: WeeklySummary.objects.filter(patient=patient, week_start=monday).first(),
        timeout=60,
    )
    assert summary.days_logged == (today - monday).days + 1
    assert summary.mood_min == 3
    slide = wait_for(
        lambda: Signal.objects.filter(patient=patient, kind=Signal.Kind.SUSTAINED_SLIDE).first(),
        timeout=60,
    )
    assert "mood" in slide.words_for_patient(patient.today()).text


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_phq9_five_points_up_raises_the_warning_sign_on_a_real_worker(
    celery_worker_process, client, patient, other_patient
):
    for person in (patient, other_patient):
        scored_questionnaire(person, "phq9", 8, person.today() - dt.timedelta(days=14))

    def submit(person, answers):
        client.force_login(person)
        data = {f"item_{n}": str(a) for n, a in enumerate(answers, start=1)}
        data["submission_key"] = str(uuid.uuid4())
        response = client.post(reverse("questionnaire_fill", args=["phq9"]), data)
        assert response.status_code == 302

    submit(other_patient, [3, 3, 3, 3, 0, 0, 0, 0, 0])  # 12: 4 up, under 15
    submit(patient, [3, 3, 3, 3, 1, 0, 0, 0, 0])  # 13: 5 up, under 15

    rise = wait_for(
        lambda: Signal.objects.filter(patient=patient, kind=Signal.Kind.PHQ9_RISE).first(),
        timeout=60,
    )
    assert "(8 to 13)" in rise.words_for_patient(patient.today()).text
    # Both tasks have run (the worker logs each task it finished), and only the 5-point rise
    # raised anything.
    finished = re.compile(r"journal\.tasks\.warning_signs_refresh\[[^\]]+\] succeeded")
    wait_for(
        lambda: len(finished.findall(celery_worker_process.log_path.read_text())) == 2,
        timeout=60,
    )
    assert list(Signal.objects.values_list("patient_id", "kind")) == [
        (patient.pk, Signal.Kind.PHQ9_RISE)
    ]
