"""Reminders arrive at each patient's own local time, once, only when they are still useful.

Times are fixed instants passed into the services (no sleeping, no real clock): the beat job's
two halves are run as the worker runs them, `reminders_claim_due` then `reminders_send`.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import unsubscribe
from accounts.models import EmailDelivery, User
from accounts.schedule import reminder_schedule_refresh
from journal.models import WeeklySummary
from journal.reminders.dispatch import reminders_claim_due
from journal.reminders.due import reminders_due
from journal.reminders.send import reminders_send
from tests.factories import (
    CheckInFactory,
    QuestionnaireResponseFactory,
    TreatmentSessionFactory,
    UserFactory,
)

UTC = dt.UTC


def at(text: str, tz: str = "UTC") -> dt.datetime:
    """An instant written as local wall-clock time in `tz`."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


def patient_with(**fields) -> User:
    """A patient whose only email is the check-in reminder unless asked otherwise."""
    fields.setdefault("questionnaire_reminder_enabled", False)
    fields.setdefault("weekly_email_enabled", False)
    return UserFactory.create(**fields)


def bulk_patients(n: int, **fields) -> list[User]:
    """Many patients in one INSERT (no password hashing: these never sign in)."""
    start = User.objects.count()
    return User.objects.bulk_create(
        [User(email=f"bulk{start + i}@example.test", **fields) for i in range(n)]
    )


def run_beat(now: dt.datetime) -> int:
    """One beat at `now`, as beat + worker run it: claim who is due, then send their batch."""
    with transaction.atomic():
        user_ids = reminders_claim_due(now=now, limit=1000)
    if not user_ids:
        return 0
    return reminders_send(user_ids=user_ids, as_of=now, now=now)


# --- The beat job, with a real SMTP server -----------------------------------------------


@pytest.mark.django_db
def test_each_patient_gets_the_reminder_at_their_own_local_time(smtp_sink):
    tokyo = patient_with(time_zone="Asia/Tokyo", reminder_time=dt.time(7, 30))
    new_york = patient_with(time_zone="America/New_York", reminder_time=dt.time(20, 0))
    for person in (tokyo, new_york):
        reminder_schedule_refresh(user=person, now=at("2026-11-23T12:00"))

    assert run_beat(at("2026-11-23T22:29")) == 0  # one minute early for Tokyo
    assert run_beat(at("2026-11-23T22:30")) == 1
    assert smtp_sink.recipients == [tokyo.email]
    assert run_beat(at("2026-11-24T00:59")) == 0
    assert run_beat(at("2026-11-24T01:02")) == 1  # 8:02 p.m. in New York: the next beat
    assert smtp_sink.recipients == [tokyo.email, new_york.email]
    assert smtp_sink.subjects() == ["A moment for today's check-in"] * 2
    body = smtp_sink.messages[0].get_body(("plain",)).get_content()
    assert f"{reverse('checkin')}" in body  # one tap from the inbox to the check-in
    tokyo.refresh_from_db()
    assert tokyo.next_reminder_at == at("2026-11-24T22:30")  # tomorrow, same local time


@pytest.mark.django_db
def test_the_reminder_follows_the_local_clock_over_a_dst_change(smtp_sink):
    person = patient_with(time_zone="America/New_York", reminder_time=dt.time(20, 0))
    reminder_schedule_refresh(user=person, now=at("2026-03-07T12:00", "America/New_York"))

    sent_at = []
    for hour in range(0, 61):  # a beat every hour for 2.5 days, straddling the change
        now = at("2026-03-07T12:00") + dt.timedelta(hours=hour)
        if run_beat(now):
            sent_at.append(now.astimezone(ZoneInfo("America/New_York")).strftime("%d %H:%M"))

    assert sent_at == ["07 20:00", "08 20:00", "09 20:00"]
    assert len(smtp_sink.messages) == 3


@pytest.mark.django_db
def test_no_reminder_after_a_checkin_that_day(smtp_sink):
    person = patient_with(time_zone="Europe/London", reminder_time=dt.time(20, 0))
    reminder_schedule_refresh(user=person, now=at("2026-11-24T08:00"))
    CheckInFactory(patient=person, day=dt.date(2026, 11, 24))

    assert run_beat(at("2026-11-24T20:00")) == 0
    assert smtp_sink.messages == []
    assert run_beat(at("2026-11-25T20:00")) == 1  # no check-in on the 25th: reminded


@pytest.mark.django_db
def test_a_checkin_made_after_the_beat_but_before_the_send_still_stops_the_reminder(smtp_sink):
    person = patient_with(time_zone="Europe/London", reminder_time=dt.time(20, 0))
    reminder_schedule_refresh(user=person, now=at("2026-11-24T08:00"))
    now = at("2026-11-24T20:00")
    with transaction.atomic():
        user_ids = reminders_claim_due(now=now, limit=100)
    CheckInFactory(patient=person, day=dt.date(2026, 11, 24))  # while the task waited

    assert reminders_send(user_ids=user_ids, as_of=now, now=now) == 0
    assert smtp_sink.messages == []


@pytest.mark.django_db
def test_no_reminder_after_unsubscribing(client, smtp_sink):
    person = patient_with(time_zone="Europe/London", reminder_time=dt.time(20, 0))
    reminder_schedule_refresh(user=person, now=at("2026-11-24T08:00"))
    assert run_beat(at("2026-11-24T20:00")) == 1
    link = smtp_sink.messages[0]["List-Unsubscribe"].strip().strip("<>")

    response = client.post(link.removeprefix("http://127.0.0.1:8000"))

    assert response.status_code == 200
    assert run_beat(at("2026-11-25T20:00")) == 0
    assert len(smtp_sink.messages) == 1
    person.refresh_from_db()
    assert person.reminder_enabled is False
    assert person.next_reminder_at is None  # nothing else was on: nothing scheduled


@pytest.mark.django_db
def test_a_switch_turned_off_after_the_beat_claimed_the_patient_is_respected(smtp_sink):
    person = patient_with(time_zone="Europe/London", reminder_time=dt.time(20, 0))
    reminder_schedule_refresh(user=person, now=at("2026-11-24T08:00"))
    now = at("2026-11-24T20:00")
    with transaction.atomic():
        user_ids = reminders_claim_due(now=now, limit=100)
    User.objects.filter(pk=person.pk).update(reminder_enabled=False)

    assert reminders_send(user_ids=user_ids, as_of=now, now=now) == 0


@pytest.mark.django_db
def test_a_deactivated_account_gets_no_reminder_and_drops_off_the_schedule(smtp_sink):
    person = patient_with(time_zone="Europe/London", reminder_time=dt.time(20, 0))
    reminder_schedule_refresh(user=person, now=at("2026-11-24T08:00"))
    User.objects.filter(pk=person.pk).update(is_active=False)  # the admin's bulk action

    assert run_beat(at("2026-11-24T20:00")) == 0
    person.refresh_from_db()
    assert person.next_reminder_at is None


@pytest.mark.django_db
def test_a_reminder_too_late_to_help_is_dropped(smtp_sink):
    person = patient_with(time_zone="Europe/London", reminder_time=dt.time(20, 0))
    reminder_schedule_refresh(user=person, now=at("2026-11-24T08:00"))

    assert run_beat(at("2026-11-24T23:30")) == 0  # the beat was down for 3.5 hours
    person.refresh_from_db()
    assert person.next_reminder_at == at("2026-11-25T20:00")


@pytest.mark.django_db
def test_two_beats_at_once_and_a_batch_run_twice_send_one_email(smtp_sink):
    person = patient_with(time_zone="Europe/London", reminder_time=dt.time(20, 0))
    reminder_schedule_refresh(user=person, now=at("2026-11-24T08:00"))
    now = at("2026-11-24T20:00")

    with transaction.atomic():
        first = reminders_claim_due(now=now, limit=100)
    with transaction.atomic():
        second = reminders_claim_due(now=now, limit=100)
    sent = [reminders_send(user_ids=first, as_of=now, now=now) for _ in range(2)]

    assert first == [person.pk]
    assert second == []
    assert sent == [1, 0]
    assert len(smtp_sink.messages) == 1
    assert EmailDelivery.objects.get(recipient=person).status == EmailDelivery.Status.SENT


@pytest.mark.django_db
def test_questionnaire_reminder_comes_once_per_due_cycle(smtp_sink, settings):
    settings.QUESTIONNAIRE_DUE_DAYS = 14
    person = patient_with(
        time_zone="Europe/London",
        reminder_time=dt.time(20, 0),
        reminder_enabled=False,
        questionnaire_reminder_enabled=True,
    )
    for instrument in ("phq9", "gad7"):
        QuestionnaireResponseFactory(
            patient=person,
            instrument=instrument,
            day=dt.date(2026, 11, 1),
            submitted_at=at("2026-11-01T10:00"),
        )
    reminder_schedule_refresh(user=person, now=at("2026-11-10T08:00"))

    assert run_beat(at("2026-11-10T20:00")) == 0  # 9 days: not due
    assert run_beat(at("2026-11-14T20:00")) == 0  # 13 days: not yet
    assert run_beat(at("2026-11-15T20:00")) == 1  # exactly 14 days: both due, one email
    assert run_beat(at("2026-11-16T20:00")) == 0  # same cycle: not again
    QuestionnaireResponseFactory(
        patient=person,
        instrument="phq9",
        day=dt.date(2026, 11, 18),
        submitted_at=at("2026-11-18T10:00"),
    )
    assert run_beat(at("2026-12-03T20:00")) == 1  # PHQ-9's new cycle is due; GAD-7 already told
    assert smtp_sink.subjects() == ["A short questionnaire is ready in Tideline"] * 2
    periods = sorted(
        EmailDelivery.objects.filter(recipient=person).values_list("period", flat=True)
    )
    assert periods == ["phq9:2026-11-01,gad7:2026-11-01", "phq9:2026-11-18"]


@pytest.mark.django_db
def test_a_patient_who_never_answered_is_reminded_once(smtp_sink):
    person = patient_with(
        time_zone="Europe/London", reminder_enabled=False, questionnaire_reminder_enabled=True
    )
    reminder_schedule_refresh(user=person, now=at("2026-11-24T08:00"))

    assert run_beat(at("2026-11-24T20:00")) == 1
    assert run_beat(at("2026-11-25T20:00")) == 0


@pytest.mark.django_db
def test_weekly_email_goes_on_monday_morning_once_the_summary_exists(smtp_sink):
    person = patient_with(
        time_zone="America/New_York",
        reminder_time=dt.time(20, 0),
        reminder_enabled=False,
        weekly_email_enabled=True,
    )
    reminder_schedule_refresh(user=person, now=at("2026-11-22T21:00", "America/New_York"))
    person.refresh_from_db()
    assert person.next_reminder_at == at("2026-11-23T08:00", "America/New_York")  # Monday

    assert run_beat(at("2026-11-23T08:00", "America/New_York")) == 0  # summary not ready yet
    WeeklySummary.objects.create(
        patient=person,
        week_start=dt.date(2026, 11, 16),
        days_logged=5,
        mood_mean=3.2,
        computed_at=at("2026-11-23T09:00", "America/New_York"),
    )
    # The next moment is that evening's reminder time; the weekly email goes then.
    assert run_beat(at("2026-11-23T20:00", "America/New_York")) == 1
    assert run_beat(at("2026-11-24T20:00", "America/New_York")) == 0
    assert smtp_sink.subjects() == ["Your week in Tideline is ready"]
    body = smtp_sink.messages[0].get_body(("plain",)).get_content()
    assert "3.2" not in body and "5 days" not in body
    assert reverse("trends") in body


@pytest.mark.django_db
def test_integration_reminders_come_1_3_7_and_30_days_after_a_session_once_each(smtp_sink):
    london = "Europe/London"
    chose = patient_with(
        time_zone=london, reminder_enabled=False, integration_reminders_enabled=True
    )
    also = patient_with(
        time_zone=london, reminder_enabled=False, integration_reminders_enabled=True
    )
    did_not = patient_with(time_zone=london, reminder_enabled=True)
    for person, day in ((chose, 1), (also, 2), (did_not, 1)):
        TreatmentSessionFactory(
            patient=person,
            started_at=at(f"2026-10-0{day}T10:00", london),
            day=dt.date(2026, 10, day),
        )
        reminder_schedule_refresh(user=person, now=at("2026-10-01T08:00", london))
    # A check-in without the prompts answered still gets its reminder.
    CheckInFactory(patient=chose, day=dt.date(2026, 10, 2))

    day = dt.date(2026, 10, 1)
    while day <= dt.date(2026, 11, 3):
        run_beat(at(f"{day.isoformat()}T20:00", london))
        run_beat(at(f"{day.isoformat()}T20:01", london))  # a second beat sends nothing again
        day += dt.timedelta(days=1)

    def reminded(person):
        return sorted(
            EmailDelivery.objects.filter(
                recipient=person, kind=unsubscribe.INTEGRATION_REMINDER
            ).values_list("period", flat=True)
        )

    assert reminded(chose) == ["2026-10-02", "2026-10-04", "2026-10-08", "2026-10-31"]
    assert reminded(also) == ["2026-10-03", "2026-10-05", "2026-10-09", "2026-11-01"]
    assert reminded(did_not) == []
    integration = [m for m in smtp_sink.messages if m["Subject"] == "A moment for integration"]
    assert sorted(m["To"] for m in integration) == sorted([chose.email] * 4 + [also.email] * 4)


@pytest.mark.django_db
def test_no_integration_reminder_once_that_days_prompts_are_answered():
    london = "Europe/London"
    answered, not_yet = (
        patient_with(time_zone=london, reminder_enabled=False, integration_reminders_enabled=True)
        for _ in range(2)
    )
    for person in (answered, not_yet):
        TreatmentSessionFactory(patient=person, day=dt.date(2026, 11, 17))
    CheckInFactory(patient=answered, day=dt.date(2026, 11, 24), integration_shifted="Calmer")
    CheckInFactory(patient=not_yet, day=dt.date(2026, 11, 24))

    moment = at("2026-11-24T20:00", london)
    plan = reminders_due(users=[answered, not_yet], as_of=moment, now=moment)

    assert [(d.user, d.kind) for d in plan] == [(not_yet, unsubscribe.INTEGRATION_REMINDER)]


def _questionnaires_just_done(person, at_: dt.datetime) -> None:
    for instrument in ("phq9", "gad7"):
        QuestionnaireResponseFactory(patient=person, instrument=instrument, submitted_at=at_)


@pytest.mark.django_db
def test_the_pre_session_phq9_reminder_comes_in_the_48_hours_before_a_booked_session():
    london = "Europe/London"
    moment = at("2026-11-24T20:00", london)
    exactly_48, just_over, filled_at_edge, filled_before_edge = (
        patient_with(time_zone=london, reminder_enabled=False, questionnaire_reminder_enabled=True)
        for _ in range(4)
    )
    for person in (exactly_48, just_over, filled_at_edge, filled_before_edge):
        _questionnaires_just_done(person, moment - dt.timedelta(days=5))  # the rhythm: not due
    booked = {
        exactly_48: TreatmentSessionFactory(
            patient=exactly_48, started_at=moment + dt.timedelta(hours=48)
        ),
        just_over: TreatmentSessionFactory(
            patient=just_over, started_at=moment + dt.timedelta(hours=48, minutes=1)
        ),
    }
    for person in (filled_at_edge, filled_before_edge):
        booked[person] = TreatmentSessionFactory(
            patient=person, started_at=moment + dt.timedelta(hours=30)
        )
    window_opens = moment + dt.timedelta(hours=30) - dt.timedelta(hours=48)
    QuestionnaireResponseFactory(patient=filled_at_edge, submitted_at=window_opens)
    QuestionnaireResponseFactory(
        patient=filled_before_edge, submitted_at=window_opens - dt.timedelta(minutes=1)
    )

    plan = reminders_due(
        users=[exactly_48, just_over, filled_at_edge, filled_before_edge], as_of=moment, now=moment
    )

    assert {(d.user, d.kind, d.period) for d in plan} == {
        (exactly_48, unsubscribe.QUESTIONNAIRE_DUE, f"phq9:before:{booked[exactly_48].pk}"),
        (
            filled_before_edge,
            unsubscribe.QUESTIONNAIRE_DUE,
            f"phq9:before:{booked[filled_before_edge].pk}",
        ),
    }


@pytest.mark.django_db
def test_the_pre_session_phq9_reminder_goes_once_per_session_for_each_patient(smtp_sink):
    london = "Europe/London"
    first, second = (
        patient_with(time_zone=london, reminder_enabled=False, questionnaire_reminder_enabled=True)
        for _ in range(2)
    )
    for person in (first, second):
        _questionnaires_just_done(person, at("2026-11-20T09:00", london))
        TreatmentSessionFactory(patient=person, started_at=at("2026-11-26T10:00", london))
        reminder_schedule_refresh(user=person, now=at("2026-11-21T08:00", london))

    for day in range(21, 27):
        run_beat(at(f"2026-11-{day}T20:00", london))
        run_beat(at(f"2026-11-{day}T20:01", london))

    # 24 Nov 20:00 and 25 Nov 20:00 are both within 48 hours: one reminder, on the first.
    for person in (first, second):
        rows = EmailDelivery.objects.filter(recipient=person, kind=unsubscribe.QUESTIONNAIRE_DUE)
        assert [r.created_at.date() for r in rows] == [dt.date(2026, 11, 24)]
    assert sorted(m["To"] for m in smtp_sink.messages) == sorted([first.email, second.email])


@pytest.mark.django_db
def test_deciding_who_is_due_takes_the_same_queries_for_5_or_60_patients_with_history():
    def batch(n):
        people = bulk_patients(
            n,
            questionnaire_reminder_enabled=True,
            weekly_email_enabled=True,
            integration_reminders_enabled=True,
        )
        for person in people:
            CheckInFactory(patient=person, day=dt.date(2026, 11, 23))
            QuestionnaireResponseFactory(patient=person, day=dt.date(2026, 11, 1))
            TreatmentSessionFactory(patient=person, day=dt.date(2026, 11, 22))
        return people

    from django.db import connection

    counts = []
    for n in (5, 60):
        people = batch(n)
        with CaptureQueriesContext(connection) as ctx:
            plan = reminders_due(
                users=people, as_of=at("2026-11-24T20:00"), now=at("2026-11-24T20:00")
            )
        counts.append(len(ctx.captured_queries))
        assert len(plan) >= n
    # One more since the teams' questionnaire rhythms (careteam/rhythms.py), read once.
    assert counts[0] == counts[1] <= 8


@pytest.mark.django_db
def test_claiming_a_batch_of_people_with_the_same_reminder_time_is_two_queries():
    from django.db import connection

    for person in bulk_patients(40, time_zone="Asia/Tokyo"):
        reminder_schedule_refresh(user=person, now=at("2026-11-23T00:00"))
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        claimed = reminders_claim_due(now=at("2026-11-24T12:00"), limit=100)

    assert len(claimed) == 40
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    # One indexed SELECT ... FOR UPDATE, one UPDATE for everyone sharing the next moment.
    assert len(statements) == 2


@pytest.mark.django_db(transaction=True)
def test_two_beats_claiming_at_the_same_moment_split_the_patients_between_them():
    import threading

    from django.db import connection

    from tests.services import require_postgres

    require_postgres()
    people = bulk_patients(10, time_zone="Europe/London")
    for person in people:
        reminder_schedule_refresh(user=person, now=at("2026-11-24T08:00"))
    now = at("2026-11-24T20:00")
    first_holds_its_rows = threading.Event()
    second_done = threading.Event()
    claims = {}

    def first_beat():
        try:
            with transaction.atomic():
                claims["first"] = reminders_claim_due(now=now, limit=5)
                first_holds_its_rows.set()
                second_done.wait(10)  # still inside the transaction: rows stay locked
        finally:
            connection.close()

    thread = threading.Thread(target=first_beat)
    thread.start()
    first_holds_its_rows.wait(10)
    with transaction.atomic():
        claims["second"] = reminders_claim_due(now=now, limit=100)
    second_done.set()
    thread.join(10)

    assert len(claims["first"]) == 5 and len(claims["second"]) == 5
    assert set(claims["first"]).isdisjoint(claims["second"])
    assert set(claims["first"]) | set(claims["second"]) == {p.pk for p in people}
    assert not User.objects.filter(next_reminder_at__lte=now).exists()
