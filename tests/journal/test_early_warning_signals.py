"""signals_evaluate: the rule on a patient's stored history, written as Signal rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from journal.models import Signal
from journal.signals import signals_evaluate
from tests.factories import (
    QuestionnaireResponseFactory,
    SignalFactory,
    UserFactory,
    daily_history,
)
from tests.journal.trend_histories import TODAY, steady_then_slide


def phq9(patient, total, day):
    answers = ([3] * (total // 3) + [total % 3] + [0] * 9)[:9]
    return QuestionnaireResponseFactory(
        patient=patient,
        answers=answers,
        day=day,
        submitted_at=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC),
    )


@pytest.mark.django_db
def test_a_seeded_slide_records_one_signal_that_explains_itself(patient):
    steady_then_slide(patient)

    first = signals_evaluate(patient_id=patient.pk, today=TODAY)
    again = signals_evaluate(patient_id=patient.pk, today=TODAY)

    assert [s.pk for s in first] == [s.pk for s in again]
    signal = Signal.objects.get(patient=patient)
    assert signal.kind == Signal.Kind.SUSTAINED_SLIDE
    assert signal.resolved_at is None
    assert signal.words_for_patient(TODAY).text.startswith(
        "Your mood has been lower than your usual for 14 of the last 14 days, "
        "and your energy, interest in things and sleep too."
    )


@pytest.mark.django_db
def test_the_next_days_of_the_same_slide_keep_the_same_signal(patient):
    steady_then_slide(patient, end=TODAY + dt.timedelta(days=3), slide_days=24)
    for offset in range(4):
        signals_evaluate(patient_id=patient.pk, today=TODAY + dt.timedelta(days=offset))
    assert Signal.objects.filter(patient=patient).count() == 1


@pytest.mark.django_db
def test_a_slide_that_lifted_is_resolved(patient):
    steady_then_slide(patient)
    signals_evaluate(patient_id=patient.pk, today=TODAY)

    later = TODAY + dt.timedelta(days=30)
    daily_history(patient, days=30, end=later, mood=lambda i: 8, energy=6, interest=6)
    active = signals_evaluate(patient_id=patient.pk, today=later)

    assert active == []
    assert Signal.objects.get(patient=patient).resolved_at is not None


@pytest.mark.django_db
def test_bad_days_in_an_ordinary_life_record_nothing(patient):
    daily_history(
        patient,
        days=90,
        end=TODAY,
        mood=lambda i: 1 if i in (86, 87) else 7,
        energy=lambda i: 0 if i in (86, 87) else 6,
        interest=lambda i: 0 if i in (86, 87) else 6,
    )
    assert signals_evaluate(patient_id=patient.pk, today=TODAY) == []
    assert not Signal.objects.exists()


@pytest.mark.django_db
def test_a_phq9_rise_is_recorded_once_per_questionnaire(patient):
    phq9(patient, 7, TODAY - dt.timedelta(days=14))
    latest = phq9(patient, 13, TODAY)

    signals_evaluate(patient_id=patient.pk, today=TODAY)
    signals_evaluate(patient_id=patient.pk, today=TODAY)

    signal = Signal.objects.get(patient=patient)
    assert (signal.kind, signal.dedupe_key) == (Signal.Kind.PHQ9_RISE, f"q:{latest.pk}")
    assert "7 to 13" in signal.words_for_patient(TODAY).text


@pytest.mark.django_db
def test_urgent_signals_from_the_journal_are_left_alone(patient):
    urgent = SignalFactory(patient=patient, kind=Signal.Kind.URGENT_ITEM9, dedupe_key="q:1")
    steady_then_slide(patient)

    signals_evaluate(patient_id=patient.pk, today=TODAY)

    urgent.refresh_from_db()
    assert urgent.resolved_at is None
    assert Signal.objects.filter(patient=patient).count() == 2


@pytest.mark.django_db
def test_it_reads_a_fixed_number_of_queries_whatever_the_history():
    short, long = UserFactory(), UserFactory()
    steady_then_slide(short, days=45)
    steady_then_slide(long, days=1100)
    counts = []
    for p in (short, long):
        phq9(p, 9, TODAY - dt.timedelta(days=3))
        with CaptureQueriesContext(connection) as queries:
            signals_evaluate(patient_id=p.pk, today=TODAY)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12


@pytest.mark.django_db
def test_the_demo_refresh_fills_weeks_and_raises_the_seeded_slide(patient):
    from journal.demo import demo_trends_refresh
    from journal.models import WeeklySummary

    steady_then_slide(patient, days=180, end=patient.today())

    demo_trends_refresh(patient_id=patient.pk)
    demo_trends_refresh(patient_id=patient.pk)

    assert WeeklySummary.objects.filter(patient=patient).count() >= 26
    (signal,) = Signal.objects.filter(patient=patient, resolved_at__isnull=True)
    assert signal.kind == Signal.Kind.SUSTAINED_SLIDE
