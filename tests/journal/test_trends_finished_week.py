"""The weekly beat job's own path: one week of every patient, driven by the day, carrying the
questionnaire state and the response baseline from the week before. It must agree with the
full rebuild, which looks everything up."""

import contextlib
import datetime as dt
import importlib
import random
import threading

import pytest
from django.db import connection
from django.utils import timezone

from config.celery import app
from journal import services
from journal import weekly as trends
from journal.models import Activity, CheckIn, CheckInActivity, WeeklySummary
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


@contextlib.contextmanager
def migrating(before: str, after: str):
    """Migrate the journal back to `before` and hand over its models to fill in; then migrate
    to `after`, and always on to the latest, so the test reads what the migration made."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("journal", before)])
    try:
        yield executor.loader.project_state([("journal", before)]).apps
        MigrationExecutor(connection).migrate([("journal", after)])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def varied_histories(seed: int) -> None:
    """Patients with gaps (weeks with no check-in, so no row to carry from), scores in weeks
    with and without check-ins, sessions before, inside and after the weeks, and tags."""
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
    baseline = 2 + trends.SUMMARY_COLUMNS.index("phq9_baseline")
    assert any(row[baseline] is not None for row in expected)  # baselines to carry
    assert any(row[-1] for row in expected)  # activities to count
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


@pytest.fixture
def tasks_run_here():
    """Tasks enqueued on commit run in this process (the real task code, no worker)."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.mark.django_db
def test_recording_a_session_later_moves_the_baseline_of_every_week_after_it(
    patient, tasks_run_here, django_capture_on_commit_callbacks
):
    weeks = [FIRST_MONDAY + dt.timedelta(weeks=n) for n in range(3)]
    daily_history(patient, days=21, end=weeks[2] + dt.timedelta(days=6))
    scored_questionnaire(patient, "phq9", 20, weeks[0])
    scored_questionnaire(patient, "phq9", 18, weeks[1])
    scored_questionnaire(patient, "phq9", 10, weeks[2])
    trends.weekly_summaries_rebuild()
    last = WeeklySummary.objects.get(patient=patient, week_start=weeks[2])
    assert (last.phq9_baseline, last.phq9_response) == (20, True)  # 10 is half of 20

    with django_capture_on_commit_callbacks(execute=True):
        services.treatment_session_save(
            patient=patient,
            data=services.SessionData(
                day=weeks[0] + dt.timedelta(days=2), time=dt.time(10), kind="iv"
            ),
        )

    # Treatment began between the 20 and the 18: response now counts from 18.
    last.refresh_from_db()
    assert (last.phq9_baseline, last.phq9_response) == (18, False)


@pytest.mark.django_db
def test_the_migration_fills_in_the_baseline_of_rows_computed_before_it(patient):
    TreatmentSessionFactory(
        patient=patient,
        day=FIRST_MONDAY + dt.timedelta(days=1),
        started_at=dt.datetime.combine(FIRST_MONDAY, dt.time(10), tzinfo=dt.UTC),
    )
    scored_questionnaire(patient, "phq9", 24, FIRST_MONDAY)  # before treatment began
    scored_questionnaire(patient, "phq9", 16, FIRST_MONDAY + dt.timedelta(days=3))
    daily_history(patient, days=14, end=FIRST_MONDAY + dt.timedelta(days=13))
    trends.weekly_summaries_rebuild()
    expected = summaries()
    WeeklySummary.objects.update(phq9_baseline=None)
    migration = importlib.import_module("journal.migrations.0005_weekly_job_carry_forward")

    migration.fill_baselines(connection)

    assert summaries() == expected
    assert {row[2 + trends.SUMMARY_COLUMNS.index("phq9_baseline")] for row in expected} == {16}


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_weekly_activity_rows_into_their_summaries(patient):
    with migrating("0005_weekly_job_carry_forward", "0006_weekly_activity_in_summary") as old:
        walk = old.get_model("journal", "Activity").objects.create(name="Walk (moved)")
        rest = old.get_model("journal", "Activity").objects.create(name="Rest (moved)")
        summary = old.get_model("journal", "WeeklySummary")
        for week, days in ((0, 5), (1, 2)):
            summary.objects.create(
                patient_id=patient.pk,
                week_start=FIRST_MONDAY + dt.timedelta(weeks=week),
                days_logged=days,
                computed_at=timezone.now(),
            )
        weekly = old.get_model("journal", "WeeklyActivity")
        weekly.objects.create(
            patient_id=patient.pk, week_start=FIRST_MONDAY, activity=walk, days=3, mood_sum=21
        )
        weekly.objects.create(
            patient_id=patient.pk, week_start=FIRST_MONDAY, activity=rest, days=1, mood_sum=4
        )

    moved = dict(WeeklySummary.objects.values_list("week_start", "activities"))
    assert moved == {
        FIRST_MONDAY: {str(walk.pk): [3, 21], str(rest.pk): [1, 4]},
        FIRST_MONDAY + dt.timedelta(weeks=1): {},
    }


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_every_existing_tag_its_check_ins_day(patient):
    with migrating("0006_weekly_activity_in_summary", "0007_checkin_tag_day") as old:
        walk = old.get_model("journal", "Activity").objects.create(name="Walk (dated)")
        old_checkin = old.get_model("journal", "CheckIn")
        tagged = {}
        for n in (0, 9):
            checkin = old_checkin.objects.create(
                patient_id=patient.pk, day=FIRST_MONDAY + dt.timedelta(days=n), mood=5
            )
            checkin.activities.add(walk)  # the plain many-to-many of before
            tagged[checkin.pk] = checkin.day

    assert dict(CheckInActivity.objects.values_list("checkin_id", "day")) == tagged
    assert CheckIn.objects.get(day=FIRST_MONDAY).activities.get().name == "Walk (dated)"


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
