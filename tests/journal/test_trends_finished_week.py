"""The weekly beat job's own path: one week of every patient, driven by the day. It must agree
with the full rebuild, which groups every week of a batch of patients at once."""

import datetime as dt
import random
import threading

import pytest

from journal import weekly as trends
from journal.models import Activity, CheckIn, WeeklySummary
from tests.factories import (
    CheckInFactory,
    TreatmentSessionFactory,
    UserFactory,
    daily_history,
    scored_questionnaire,
)
from tests.services import require_postgres

FIRST_MONDAY = dt.date(2026, 1, 5)
WEEKS = 12


def summaries():
    fields = ("patient_id", "week_start", *trends.SUMMARY_COLUMNS)
    return sorted(WeeklySummary.objects.values_list(*fields))


def varied_histories(seed: int) -> None:
    """Patients with gaps (weeks with no check-in), tags, and questionnaires and sessions
    around and inside the weeks, which no weekly row may depend on."""
    rng = random.Random(seed)
    walk = Activity.objects.create(name=f"Walk {seed}")
    for _ in range(6):
        patient = UserFactory()
        for day in (FIRST_MONDAY + dt.timedelta(days=n) for n in range(WEEKS * 7)):
            if rng.random() < 0.6 and day.isocalendar().week % 4 != seed % 4:
                checkin = CheckInFactory.create(patient=patient, day=day, mood=rng.randint(0, 10))
                if rng.random() < 0.3:
                    checkin.tags_add(walk)
            if rng.random() < 0.06:
                scored_questionnaire(patient, "phq9", rng.randint(0, 27), day)
            if rng.random() < 0.04:
                scored_questionnaire(patient, "gad7", rng.randint(0, 21), day)
        for _ in range(rng.randint(0, 2)):
            day = FIRST_MONDAY + dt.timedelta(days=rng.randint(-20, WEEKS * 7))
            TreatmentSessionFactory(
                patient=patient,
                day=day,
                started_at=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
            )
        if rng.random() < 0.5:  # a baseline from before the first week
            scored_questionnaire(
                patient, "phq9", rng.randint(10, 27), FIRST_MONDAY - dt.timedelta(days=30)
            )


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_week_by_week_the_beat_job_builds_exactly_what_the_full_rebuild_does(seed):
    varied_histories(seed)
    written = trends.weekly_summaries_rebuild()
    expected = summaries()
    assert written == len(expected)  # counted on SQLite too, where rowcount says nothing
    activities = 2 + trends.SUMMARY_COLUMNS.index("activities")
    assert any(row[activities] for row in expected)  # activities to count
    assert any(not row[activities] for row in expected)  # and weeks with none
    WeeklySummary.objects.all().delete()

    written = sum(  # as beat would, one finished week after another
        trends.weekly_summaries_refresh_week(start=FIRST_MONDAY + dt.timedelta(weeks=week))
        for week in range(WEEKS)
    )

    assert summaries() == expected
    assert written == len(expected)


@pytest.mark.django_db
def test_the_week_job_repairs_a_stale_week_and_drops_an_emptied_one(patient, other_patient):
    daily_history(patient, days=14, end=FIRST_MONDAY + dt.timedelta(days=13), mood=lambda i: 5)
    emptied = CheckInFactory(patient=other_patient, day=FIRST_MONDAY + dt.timedelta(days=8))
    second_week = FIRST_MONDAY + dt.timedelta(days=7)
    trends.weekly_summaries_rebuild()
    # Changes whose own refresh never ran (the broker was down): the beat job is the safety net.
    CheckIn.objects.filter(patient=patient, day__gte=second_week).update(mood=9)
    emptied.delete()

    first = trends.weekly_summaries_refresh_week(start=second_week)
    again = trends.weekly_summaries_refresh_week(start=second_week)

    assert WeeklySummary.objects.get(patient=patient, week_start=second_week).mood_mean == 9.0
    assert not WeeklySummary.objects.filter(patient=other_patient).exists()
    assert (first, again) == (1, 0)  # the second run rewrites nothing


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_spread_over_two_connections_writes_what_one_connection_does(
    monkeypatch, settings
):
    require_postgres()
    monkeypatch.setattr(trends, "BATCH_SIZE", 2)
    varied_histories(seed=4)
    settings.TRENDS_REBUILD_CONNECTIONS = 1
    trends.weekly_summaries_rebuild()
    expected = summaries()
    WeeklySummary.objects.all().delete()
    threads = set()
    upsert_batch = trends._upsert_batch

    def observed(*args, **kwargs):
        threads.add(threading.get_ident())
        return upsert_batch(*args, **kwargs)

    monkeypatch.setattr(trends, "_upsert_batch", observed)
    settings.TRENDS_REBUILD_CONNECTIONS = 2

    trends.weekly_summaries_rebuild()

    assert len(threads) == 2  # 6 patients, 3 batches, 2 connections
    assert summaries() == expected
