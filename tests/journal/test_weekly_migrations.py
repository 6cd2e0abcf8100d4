"""Migrations of the weekly summaries, run on real rows: back to the state before each one,
rows written with the models of then, forward again."""

import contextlib
import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from journal import weekly as trends
from journal.models import CheckIn, CheckInActivity, WeeklySummary
from tests.factories import TreatmentSessionFactory, daily_history, scored_questionnaire

FIRST_MONDAY = dt.date(2026, 1, 5)


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


def summaries():
    fields = ("patient_id", "week_start", *trends.SUMMARY_COLUMNS, "computed_at")
    return sorted(WeeklySummary.objects.values_list(*fields))


def weekly_columns() -> set[str]:
    with connection.cursor() as cursor:
        table = WeeklySummary._meta.db_table
        return {c.name for c in connection.introspection.get_table_description(cursor, table)}


QUESTIONNAIRE_COLUMNS = {
    "phq9_total",
    "gad7_total",
    "phq9_baseline",
    "phq9_response",
    "phq9_remission",
}


@pytest.mark.django_db(transaction=True)
def test_the_questionnaire_columns_come_back_recomputed_and_go_again(patient, other_patient):
    """0009 backwards puts the columns back with the values the weekly job of before stored
    (the expectations of its own tests), and forwards drops them, leaving every summary as it
    was."""
    TreatmentSessionFactory(
        patient=patient,
        started_at=dt.datetime(2026, 2, 20, 15, tzinfo=dt.UTC),
        day=dt.date(2026, 2, 20),
    )
    for day, total in (
        ("2026-02-17", 24),
        ("2026-03-03", 16),
        ("2026-03-17", 9),
        ("2026-03-24", 4),
    ):
        scored_questionnaire(patient, "phq9", total, dt.date.fromisoformat(day))
    scored_questionnaire(patient, "gad7", 12, dt.date(2026, 3, 4))
    daily_history(patient, days=42, end=dt.date(2026, 3, 29))  # from Monday 16 February
    scored_questionnaire(other_patient, "phq9", 14, dt.date(2026, 3, 3))  # no session: baseline
    scored_questionnaire(other_patient, "phq9", 7, dt.date(2026, 3, 17))
    daily_history(other_patient, days=21, end=dt.date(2026, 3, 22))  # from Monday 2 March
    trends.weekly_summaries_rebuild()
    kept = summaries()
    assert len(kept) == 6 + 3

    with migrating("0008_activity_updated_at", "0009_weekly_summary_from_its_own_week") as old:
        restored = {
            (row.patient_id, row.week_start.isoformat()): (
                row.phq9_total,
                row.gad7_total,
                row.phq9_baseline,
                row.phq9_response,
                row.phq9_remission,
            )
            for row in old.get_model("journal", "WeeklySummary").objects.all()
        }
        assert weekly_columns() >= QUESTIONNAIRE_COLUMNS

    # Totals as of each Sunday, carried through weeks without a score; the baseline is the first
    # PHQ-9 after the first session (16, not the 24 before it), and none until there is one;
    # response at half the baseline or less, remission under 5.
    assert restored == {
        (patient.pk, "2026-02-16"): (24, None, None, False, False),
        (patient.pk, "2026-02-23"): (24, None, None, False, False),
        (patient.pk, "2026-03-02"): (16, 12, 16, False, False),
        (patient.pk, "2026-03-09"): (16, 12, 16, False, False),
        (patient.pk, "2026-03-16"): (9, 12, 16, False, False),
        (patient.pk, "2026-03-23"): (4, 12, 16, True, True),
        (other_patient.pk, "2026-03-02"): (14, None, 14, False, False),
        (other_patient.pk, "2026-03-09"): (14, None, 14, False, False),
        (other_patient.pk, "2026-03-16"): (7, None, 14, True, False),
    }
    assert not QUESTIONNAIRE_COLUMNS & weekly_columns()
    assert summaries() == kept  # computed_at too


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
