import datetime as dt
import threading
import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from config.enqueue import enqueue_on_commit
from journal import weekly as trends
from journal.models import CheckIn, WeeklySummary
from journal.tasks import weekly_summary_refresh
from tests.conftest import wait_for
from tests.factories import CheckInFactory, UserFactory, daily_history, scored_questionnaire
from tests.services import require_postgres

MONDAY = dt.date(2026, 3, 2)


def phq9(patient, total, day):
    return scored_questionnaire(patient, "phq9", total, day)


def rows(patient):
    return list(
        WeeklySummary.objects.filter(patient=patient)
        .order_by("week_start")
        .values("week_start", *trends.SUMMARY_COLUMNS, "computed_at")
    )


@pytest.mark.django_db
def test_it_summarises_each_local_week_from_monday_to_sunday(patient):
    # Sunday 1 March .. Sunday 15 March: one day of the week of 23 Feb, then two full weeks.
    daily_history(
        patient,
        days=15,
        end=dt.date(2026, 3, 15),
        mood=lambda i: [4, 6, 8][i % 3],
        energy=lambda i: i % 2 * 4,
        sleep_hours=lambda i: Decimal("5.5") + i % 4,
    )

    trends.weekly_summaries_rebuild(patient_ids=[patient.pk])

    weeks = rows(patient)
    assert [w["week_start"] for w in weeks] == [
        dt.date(2026, 2, 23),
        MONDAY,
        dt.date(2026, 3, 9),
    ]
    assert [w["days_logged"] for w in weeks] == [1, 7, 7]
    first_full = weeks[1]  # days 1..7 of the history: moods 6,8,4,6,8,4,6
    assert first_full["mood_min"] == 4 and first_full["mood_max"] == 8
    assert first_full["mood_mean"] == pytest.approx(42 / 7)
    assert first_full["energy_mean"] == pytest.approx((4 + 0 + 4 + 0 + 4 + 0 + 4) / 7)
    assert first_full["sleep_hours_min"] == 5.5 and first_full["sleep_hours_max"] == 8.5
    assert first_full["interest_mean"] is None  # never answered


@pytest.mark.django_db
def test_running_the_rebuild_twice_leaves_the_same_rows(patient, other_patient):
    daily_history(patient, days=200, mood=lambda i: i % 11, energy=lambda i: i % 7)
    daily_history(other_patient, days=30)
    phq9(patient, 12, dt.date.today() - dt.timedelta(days=20))

    trends.weekly_summaries_rebuild()
    first = rows(patient) + rows(other_patient)
    trends.weekly_summaries_rebuild()
    call_command("rebuild_weekly_summaries")

    assert rows(patient) + rows(other_patient) == first  # computed_at too: nothing rewritten
    assert len(first) >= 29 + 5


@pytest.mark.django_db
def test_the_weekly_job_recomputes_every_patients_finished_week_only(patient, other_patient):
    today = dt.date(2026, 3, 30)  # a Monday: the week of 23 March has just finished
    daily_history(patient, days=14, end=dt.date(2026, 3, 29), mood=lambda i: 5)
    daily_history(other_patient, days=3, end=dt.date(2026, 3, 25), mood=lambda i: 9)

    trends.weekly_summaries_refresh_finished_week(today=today)
    trends.weekly_summaries_refresh_finished_week(today=today)

    summaries = WeeklySummary.objects.order_by("patient_id")
    assert [(s.patient_id, s.week_start, s.days_logged, s.mood_mean) for s in summaries] == [
        (patient.pk, dt.date(2026, 3, 23), 7, 5.0),
        (other_patient.pk, dt.date(2026, 3, 23), 3, 9.0),
    ]


@pytest.mark.django_db
def test_batches_of_patients_all_get_their_weeks(monkeypatch):
    monkeypatch.setattr(trends, "BATCH_SIZE", 2)
    patients = [UserFactory() for _ in range(5)]
    for p in patients:
        daily_history(p, days=7, end=dt.date(2026, 3, 29))

    written = trends.weekly_summaries_refresh_finished_week(today=dt.date(2026, 3, 30))

    assert written == 5
    assert WeeklySummary.objects.filter(week_start=dt.date(2026, 3, 23)).count() == 5


@pytest.mark.django_db
def test_an_edited_week_is_recomputed_and_an_emptied_week_disappears(patient):
    day = dt.date(2026, 3, 4)
    checkin = CheckInFactory(patient=patient, day=day, mood=2)
    trends.weekly_summary_refresh(patient_id=patient.pk, day=day)
    assert WeeklySummary.objects.get(patient=patient).mood_mean == 2.0

    CheckIn.objects.filter(pk=checkin.pk).update(mood=8)
    trends.weekly_summary_refresh(patient_id=patient.pk, day=day)
    assert WeeklySummary.objects.get(patient=patient).mood_mean == 8.0

    checkin.delete()
    trends.weekly_summary_refresh(patient_id=patient.pk, day=day)
    assert not WeeklySummary.objects.filter(patient=patient).exists()


@pytest.mark.django_db(transaction=True)
def test_two_rebuilds_at_once_leave_one_row_per_week_on_postgres():
    require_postgres()
    patient = UserFactory()
    daily_history(patient, days=365, mood=lambda i: i % 10)
    errors = []

    def run():
        try:
            trends.weekly_summaries_rebuild(patient_ids=[patient.pk])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    weeks = WeeklySummary.objects.filter(patient=patient)
    assert weeks.count() == len({trends.week_start(c.day) for c in CheckIn.objects.all()})
    assert sum(w.days_logged for w in weeks) == 365


@pytest.mark.worker
def test_a_rolled_back_save_enqueues_nothing_and_a_committed_one_is_summarised(
    celery_worker_process,
):
    patient = UserFactory()
    day = dt.date(2026, 3, 4)

    with pytest.raises(RuntimeError), transaction.atomic():
        CheckInFactory(patient=patient, day=day, mood=3)
        enqueue_on_commit(weekly_summary_refresh, patient_id=patient.pk, day=day.isoformat())
        raise RuntimeError("the save failed half-way")

    with transaction.atomic():
        CheckInFactory(patient=patient, day=day + dt.timedelta(days=7), mood=8)
        enqueue_on_commit(
            weekly_summary_refresh,
            patient_id=patient.pk,
            day=(day + dt.timedelta(days=7)).isoformat(),
        )

    summary = wait_for(lambda: WeeklySummary.objects.filter(patient=patient).first(), timeout=60)
    assert summary.week_start == dt.date(2026, 3, 9)
    assert summary.mood_mean == 8.0
    # The rolled-back week never got a row: its task was never sent.
    assert list(
        WeeklySummary.objects.filter(patient=patient).values_list("week_start", flat=True)
    ) == [dt.date(2026, 3, 9)]


def test_beat_runs_the_finished_week_job_on_mondays_after_every_time_zone_has_finished_it():
    from django.conf import settings

    from journal.tasks import weekly_summaries_refresh_finished_week

    entry = settings.CELERY_BEAT_SCHEDULE["weekly-summaries-finished-week"]
    assert entry["task"] == weekly_summaries_refresh_finished_week.name
    schedule = entry["schedule"]
    assert schedule.day_of_week == {1} and schedule.hour == {12} and schedule.minute == {30}


@pytest.mark.django_db
def test_the_beat_task_summarises_last_week(patient):
    from journal.tasks import weekly_summaries_refresh_finished_week

    today = dt.datetime.now(dt.UTC).date()
    last_monday = trends.finished_week(today)
    daily_history(patient, days=7, end=last_monday + dt.timedelta(days=6), mood=lambda i: 4)

    weekly_summaries_refresh_finished_week.apply()

    summary = WeeklySummary.objects.get(patient=patient)
    assert (summary.week_start, summary.days_logged, summary.mood_mean) == (last_monday, 7, 4.0)


@pytest.mark.django_db
def test_a_weeks_activity_counts_follow_tags_added_and_removed(patient):
    from journal.models import Activity

    walk = Activity.objects.create(owner=patient, name="Walk")
    sleep_in = Activity.objects.create(owner=patient, name="Sleep in")
    first, second = (
        CheckInFactory(patient=patient, day=dt.date(2026, 3, d), mood=m)
        for d, m in ((2, 4), (3, 8))
    )
    first.tags_add(walk, sleep_in)
    second.tags_add(walk)
    trends.weekly_summary_refresh(patient_id=patient.pk, day=dt.date(2026, 3, 2))
    summary = WeeklySummary.objects.get(patient=patient)
    assert summary.week_start == MONDAY
    assert summary.activities == {str(walk.pk): [2, 12], str(sleep_in.pk): [1, 4]}

    first.activities.clear()
    trends.weekly_summary_refresh(patient_id=patient.pk, day=dt.date(2026, 3, 2))
    assert WeeklySummary.objects.get(patient=patient).activities == {str(walk.pk): [1, 8]}

    second.activities.clear()
    trends.weekly_summary_refresh(patient_id=patient.pk, day=dt.date(2026, 3, 2))
    assert WeeklySummary.objects.get(patient=patient).activities == {}


def phq9_answers(total: int) -> list[int]:
    """Nine answers adding up to `total` (item 9, the last, at 0 for totals under 25)."""
    return ([3] * (total // 3) + [total % 3] + [0] * 9)[:9]


@pytest.mark.django_db
def test_a_questionnaire_or_session_save_leaves_weekly_summaries_alone_but_rechecks_signs(
    patient, other_patient, tasks_run_here, django_capture_on_commit_callbacks
):
    from journal import services
    from journal.models import Signal

    for person in (patient, other_patient):
        daily_history(person, days=21, end=person.today() - dt.timedelta(days=1))
        phq9(person, 8, person.today() - dt.timedelta(days=14))
    trends.weekly_summaries_rebuild()
    # Make every stored week stale, as if a check-in's own refresh had been lost: a save that
    # recomputed any week would show here.
    CheckIn.objects.update(mood=1)
    stored = rows(patient) + rows(other_patient)
    assert {w["mood_mean"] for w in stored} == {6.0}

    with django_capture_on_commit_callbacks(execute=True):
        for person, total in ((patient, 13), (other_patient, 12)):  # 5 up, 4 up
            services.questionnaire_submit(
                patient=person,
                instrument="phq9",
                answers=phq9_answers(total),
                submission_key=uuid.uuid4(),
            )
            services.treatment_session_save(
                patient=person,
                data=services.SessionData(
                    day=person.today() - dt.timedelta(days=20), time=dt.time(10), kind="iv"
                ),
            )

    assert rows(patient) + rows(other_patient) == stored  # computed_at too: nothing rewritten
    rise = Signal.objects.get(patient=patient)
    assert (rise.kind, rise.words_for_patient(patient.today()).text) == (
        Signal.Kind.PHQ9_RISE,
        "Your PHQ-9 went up by 5 points since the one before (8 to 13). A rise of 5 or more is "
        "a real change, not noise.",
    )
    assert not Signal.objects.filter(patient=other_patient).exists()  # 4 up: under the edge
