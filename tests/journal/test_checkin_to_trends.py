"""The path from a patient's check-in to their weekly summary and early-warning signals."""

import datetime as dt

import pytest
from django.urls import reverse

from journal.models import Signal, WeeklySummary
from tests.conftest import wait_for
from tests.factories import daily_history

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
    assert "mood" in slide.reason
