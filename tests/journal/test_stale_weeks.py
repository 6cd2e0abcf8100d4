"""The stale-weeks outbox: a save records its trends work in its own transaction, the task or
the every-minute sweep does it, and the record goes only once the work is done."""

import datetime as dt
import logging
import uuid

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from journal import stale
from journal.models import Signal, StaleWeek, WeeklySummary
from journal.services import CheckInData, checkin_save
from journal.signals import trends_refresh as real_trends_refresh
from journal.weekly import week_start
from tests.conftest import broker_unreachable, wait_for
from tests.factories import scored_questionnaire

from .conftest import checkin_post


def _save(patient, day, mood):
    return checkin_save(patient=patient, day=day, data=CheckInData(mood=mood))


def test_a_save_marks_its_week_in_its_own_transaction(patient, other_patient):
    today = patient.today()
    with pytest.raises(RuntimeError), transaction.atomic():
        _save(patient, today, 4)
        assert StaleWeek.objects.filter(patient=patient).count() == 1
        raise RuntimeError("the save failed after all")
    assert not StaleWeek.objects.exists()  # rolled back with the check-in: no phantom work

    _save(patient, today, 4)
    _save(patient, today, 5)  # an edit of the same week marks the same row again
    _save(other_patient, other_patient.today(), 6)

    assert sorted(StaleWeek.objects.values_list("patient_id", "week")) == sorted(
        [
            (patient.pk, week_start(today)),
            (other_patient.pk, week_start(other_patient.today())),
        ]
    )


def test_the_refresh_removes_the_row_only_after_the_week_is_recomputed(patient, other_patient):
    today = patient.today()
    _save(patient, today, 3)
    _save(other_patient, other_patient.today(), 8)

    stale.stale_week_refresh(patient_id=patient.pk, week=week_start(today))

    summary = WeeklySummary.objects.get(patient=patient, week_start=week_start(today))
    assert summary.mood_min == 3
    assert not StaleWeek.objects.filter(patient=patient).exists()
    # The other patient's work is still owed, and untouched.
    assert StaleWeek.objects.filter(patient=other_patient).count() == 1
    assert not WeeklySummary.objects.filter(patient=other_patient).exists()


def test_a_week_marked_again_during_a_refresh_stays_for_the_next_one(patient, monkeypatch):
    today = patient.today()
    _save(patient, today, 3)

    def refresh_while_another_save_lands(*, patient_id, day):
        real_trends_refresh(patient_id=patient_id, day=day)
        _save(patient, today, 9)  # a newer save the recompute above did not see

    monkeypatch.setattr(stale, "trends_refresh", refresh_while_another_save_lands)
    stale.stale_week_refresh(patient_id=patient.pk, week=week_start(today))

    assert StaleWeek.objects.filter(patient=patient).count() == 1
    monkeypatch.undo()
    stale.stale_weeks_sweep(now=timezone.now() + dt.timedelta(hours=1))
    assert WeeklySummary.objects.get(patient=patient).mood_max == 9
    assert not StaleWeek.objects.exists()


def test_the_sweep_takes_only_work_older_than_its_delay_and_is_safe_twice(patient, other_patient):
    today = patient.today()
    _save(patient, today, 2)
    _save(other_patient, other_patient.today(), 7)
    just_marked = timezone.now()

    # Still young: its own task may be on its way.
    assert stale.stale_weeks_sweep(now=just_marked) == 0
    assert StaleWeek.objects.count() == 2

    later = just_marked + dt.timedelta(seconds=settings.STALE_WEEKS_SWEEP_AFTER + 1)
    assert stale.stale_weeks_sweep(now=later) == 2
    assert stale.stale_weeks_sweep(now=later) == 0
    assert WeeklySummary.objects.get(patient=patient).mood_mean == 2
    assert WeeklySummary.objects.get(patient=other_patient).mood_mean == 7
    assert not StaleWeek.objects.exists()


def test_a_sweep_just_under_its_delay_leaves_the_row(patient):
    _save(patient, patient.today(), 5)
    marked = StaleWeek.objects.get().marked_at
    almost = marked + dt.timedelta(seconds=settings.STALE_WEEKS_SWEEP_AFTER - 1)
    assert stale.stale_weeks_sweep(now=almost) == 0
    assert StaleWeek.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_dead_broker_logs_that_the_sweep_will_catch_up(dead_broker, patient_client, caplog):
    caplog.set_level(logging.WARNING, logger="config.enqueue")

    response = patient_client.post(reverse("checkin"), checkin_post(mood="4"))

    assert response.status_code == 302
    assert "could not enqueue journal.tasks.weekly_summary_refresh" in caplog.text
    assert "stale-weeks sweep" in caplog.text
    assert StaleWeek.objects.count() == 1


@pytest.fixture
def sweep_without_delay(monkeypatch):
    """The worker subprocess reads its settings from the environment: no waiting before a
    stale week counts as lost, so the test needs only one sweep, as beat would send it."""
    monkeypatch.setenv("STALE_WEEKS_SWEEP_AFTER", "0")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_saves_while_redis_is_down_are_right_within_one_sweep_of_its_return(
    sweep_without_delay, celery_worker_process, client, patient, other_patient
):
    for person in (patient, other_patient):
        scored_questionnaire(person, "phq9", 8, person.today() - dt.timedelta(days=14))

    def submit(person, answers):
        client.force_login(person)
        data = {f"item_{n}": str(a) for n, a in enumerate(answers, start=1)}
        data["submission_key"] = str(uuid.uuid4())
        assert client.post(reverse("questionnaire_fill", args=["phq9"]), data).status_code == 302

    def check_in(person, mood):
        client.force_login(person)
        assert client.post(reverse("checkin"), checkin_post(mood=mood)).status_code == 302

    with broker_unreachable():  # Redis down, as the web process sees it
        check_in(patient, "3")
        check_in(other_patient, "8")
        submit(patient, [3, 3, 3, 3, 1, 0, 0, 0, 0])  # 13: 5 up on 8, a warning sign
        submit(other_patient, [3, 3, 3, 3, 0, 0, 0, 0, 0])  # 12: 4 up, none

    # Nothing reached the worker: no summary, no signal, the work is on record.
    assert not WeeklySummary.objects.exists()
    assert not Signal.objects.exists()
    assert sorted(StaleWeek.objects.values_list("patient_id", "week")) == sorted(
        (person.pk, week)
        for person in (patient, other_patient)
        for week in (week_start(person.today()), StaleWeek.NO_WEEK)
    )

    # Redis is back: the next beat tick sends the sweep.
    from journal.tasks import stale_weeks_sweep

    stale_weeks_sweep.delay()

    wait_for(lambda: not StaleWeek.objects.exists(), timeout=60)
    mine = WeeklySummary.objects.get(patient=patient)
    theirs = WeeklySummary.objects.get(patient=other_patient)
    assert (mine.week_start, mine.days_logged, mine.mood_mean) == (
        week_start(patient.today()),
        1,
        3,
    )
    assert (theirs.days_logged, theirs.mood_mean) == (1, 8)
    assert list(Signal.objects.values_list("patient_id", "kind")) == [
        (patient.pk, Signal.Kind.PHQ9_RISE)
    ]


def test_an_import_owes_every_week_and_a_questionnaire_the_signs_alone(patient, other_patient):
    from journal.services import checkins_import, questionnaire_submit

    today = patient.today()
    days = [(today - dt.timedelta(days=n), CheckInData(mood=4)) for n in range(1, 30)]
    checkins_import(patient=patient, days=days, overwrite=False)
    questionnaire_submit(
        patient=other_patient,
        instrument="phq9",
        answers=[3, 3, 3, 3, 3, 0, 0, 0, 0],  # 15: a warning sign on its own
        submission_key=uuid.uuid4(),
    )
    assert sorted(StaleWeek.objects.values_list("patient_id", "week")) == [
        (patient.pk, StaleWeek.EVERY_WEEK),
        (other_patient.pk, StaleWeek.NO_WEEK),
    ]

    stale.stale_weeks_sweep(now=timezone.now() + dt.timedelta(hours=1))

    assert sum(w.days_logged for w in WeeklySummary.objects.filter(patient=patient)) == 29
    assert not WeeklySummary.objects.filter(patient=other_patient).exists()
    assert list(Signal.objects.values_list("patient_id", "kind")) == [
        (other_patient.pk, Signal.Kind.PHQ9_HIGH)
    ]
    assert not StaleWeek.objects.exists()
