"""Local day against UTC day, where it hurts: a patient in Honolulu (UTC-10) and one in
Tonga (UTC+13), at moments when their calendar date is not UTC's.

- At 05:00 UTC on Tuesday 1 December 2026 it is still Monday 30 November, 19:00, in Honolulu.
- At 20:00 UTC on Monday 30 November it is already Tuesday 1 December, 09:00, in Tonga.

The clock is frozen with time-machine. Every rule that speaks of "today", "this week" or "the
end of that day" must use the patient's own date: check-in days, "already checked in today"
for reminders, the week a check-in counts in, the moment a share ends, questionnaires due.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from accounts.models import User
from careteam.access import grant_for
from journal import services
from journal.access import Scope
from journal.models import CheckIn, WeeklySummary
from journal.reminders.due import reminders_due
from journal.selectors import questionnaires_due
from journal.weekly import weekly_summary_refresh
from tests.factories import (
    CareUserFactory,
    CheckInFactory,
    MembershipFactory,
    ShareFactory,
    UserFactory,
    scored_questionnaire,
)

pytestmark = pytest.mark.django_db

HONOLULU = "Pacific/Honolulu"  # UTC-10, no daylight saving
TONGA = "Pacific/Tongatapu"  # UTC+13, no daylight saving since 2017

# Honolulu is a day behind UTC; Tonga a day ahead.
HONOLULU_EVENING = dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC)  # Mon 30 Nov 19:00 local
TONGA_MORNING = dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.UTC)  # Tue 1 Dec 09:00 local
MON_30 = dt.date(2026, 11, 30)
TUE_1 = dt.date(2026, 12, 1)


def frozen(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def honolulu(db):
    return UserFactory(time_zone=HONOLULU)


@pytest.fixture
def tonga(db):
    return UserFactory(time_zone=TONGA)


def test_the_moments_are_where_local_and_utc_dates_differ():
    assert HONOLULU_EVENING.date() == TUE_1
    assert HONOLULU_EVENING.astimezone(ZoneInfo(HONOLULU)).date() == MON_30
    assert TONGA_MORNING.date() == MON_30
    assert TONGA_MORNING.astimezone(ZoneInfo(TONGA)).date() == TUE_1


# --- The check-in's day ------------------------------------------------------------------


def test_todays_check_in_is_saved_on_the_patients_own_date(client, honolulu, tonga):
    with frozen(HONOLULU_EVENING):
        client.force_login(honolulu)
        client.post(reverse("checkin"), {"version": "0", "mood": "4"})
    with frozen(TONGA_MORNING):
        client.force_login(tonga)
        client.post(reverse("checkin"), {"version": "0", "mood": "8"})
    assert list(CheckIn.objects.filter(patient=honolulu).values_list("day", "mood")) == [
        (MON_30, 4)
    ]
    assert list(CheckIn.objects.filter(patient=tonga).values_list("day", "mood")) == [(TUE_1, 8)]


def test_a_day_that_has_not_begun_locally_cannot_be_logged(honolulu, tonga):
    """UTC's Tuesday is still tomorrow in Honolulu; Tonga's Tuesday is today there."""
    with frozen(HONOLULU_EVENING):
        with pytest.raises(ValidationError):
            services.checkin_save(patient=honolulu, day=TUE_1, data=services.CheckInData(mood=5))
        services.checkin_save(patient=honolulu, day=MON_30, data=services.CheckInData(mood=5))
    with frozen(TONGA_MORNING):
        services.checkin_save(patient=tonga, day=TUE_1, data=services.CheckInData(mood=5))
        with pytest.raises(ValidationError):
            services.checkin_save(
                patient=tonga, day=TUE_1 + dt.timedelta(days=1), data=services.CheckInData(mood=5)
            )
    assert CheckIn.objects.count() == 2


# --- Reminders: "already checked in today" is the local today ----------------------------


def remind_at(user: User, local_time: dt.time) -> User:
    User.objects.filter(pk=user.pk).update(
        reminder_enabled=True,
        reminder_time=local_time,
        questionnaire_reminder_enabled=False,
        weekly_email_enabled=False,
    )
    return User.objects.get(pk=user.pk)


def checkin_reminders(users, moment) -> list[int]:
    return [
        d.user.pk
        for d in reminders_due(users=users, as_of=moment, now=moment)
        if d.kind == "checkin_reminder"
    ]


def test_a_honolulu_patient_who_checked_in_on_their_monday_is_not_reminded(honolulu):
    """At 19:00 on Monday in Honolulu (Tuesday in UTC): Monday's check-in counts as today."""
    person = remind_at(honolulu, dt.time(19, 0))
    CheckInFactory(patient=person, day=MON_30)
    assert checkin_reminders([person], HONOLULU_EVENING) == []


def test_a_honolulu_patient_who_checked_in_only_the_day_before_is_reminded(honolulu):
    person = remind_at(honolulu, dt.time(19, 0))
    CheckInFactory(patient=person, day=MON_30 - dt.timedelta(days=1))
    assert checkin_reminders([person], HONOLULU_EVENING) == [person.pk]


def test_a_tonga_patient_who_checked_in_on_their_tuesday_is_not_reminded(tonga):
    """At 09:00 on Tuesday in Tonga (Monday in UTC): Tuesday's check-in counts as today, and
    Monday's does not."""
    person = remind_at(tonga, dt.time(9, 0))
    CheckInFactory(patient=person, day=TUE_1)
    assert checkin_reminders([person], TONGA_MORNING) == []


def test_a_tonga_patient_who_checked_in_on_the_utc_date_is_reminded(tonga):
    person = remind_at(tonga, dt.time(9, 0))
    CheckInFactory(patient=person, day=MON_30)
    assert checkin_reminders([person], TONGA_MORNING) == [person.pk]


def test_the_reminder_period_is_the_local_date(honolulu, tonga):
    """The delivery log's period (once per patient, kind and period) is the local date."""
    early = remind_at(honolulu, dt.time(19, 0))
    late = remind_at(tonga, dt.time(9, 0))
    (due_h,) = [
        d for d in reminders_due(users=[early], as_of=HONOLULU_EVENING, now=HONOLULU_EVENING)
    ]
    (due_t,) = [d for d in reminders_due(users=[late], as_of=TONGA_MORNING, now=TONGA_MORNING)]
    assert (due_h.kind, due_h.period) == ("checkin_reminder", MON_30.isoformat())
    assert (due_t.kind, due_t.period) == ("checkin_reminder", TUE_1.isoformat())


# --- Weekly boundaries -------------------------------------------------------------------


def test_a_check_in_on_a_local_monday_counts_in_the_new_week(tonga, honolulu):
    """Monday 30 November starts a week. In Tonga it is Tuesday 1 December at 09:00 while UTC
    says Monday; in Honolulu it is still Monday while UTC says Tuesday. Each day lands in the
    week of its local date: 30 Nov and 1 Dec are both in the week of Monday 30 November, and
    Honolulu's Sunday 29th is in the week before."""
    with frozen(TONGA_MORNING):
        services.checkin_save(patient=tonga, day=TUE_1, data=services.CheckInData(mood=6))
        weekly_summary_refresh(patient_id=tonga.pk, day=TUE_1)
    with frozen(HONOLULU_EVENING):
        for day in (MON_30 - dt.timedelta(days=1), MON_30):
            services.checkin_save(patient=honolulu, day=day, data=services.CheckInData(mood=3))
            weekly_summary_refresh(patient_id=honolulu.pk, day=day)
    assert list(
        WeeklySummary.objects.filter(patient=tonga).values_list("week_start", flat=True)
    ) == [MON_30]
    weeks = dict(
        WeeklySummary.objects.filter(patient=honolulu).values_list("week_start", "days_logged")
    )
    assert weeks == {MON_30 - dt.timedelta(days=7): 1, MON_30: 1}


def test_the_weekly_email_opens_at_eight_on_the_local_monday(honolulu, tonga):
    """accounts/schedule.py: the weekly email about the week that ended may go out from Monday
    08:00 local (WEEKLY_EMAIL_TIME), once its summary is written. 07:59 local: not yet."""
    last_week = MON_30 - dt.timedelta(days=7)
    for person in (honolulu, tonga):
        User.objects.filter(pk=person.pk).update(
            reminder_enabled=False,
            questionnaire_reminder_enabled=False,
            weekly_email_enabled=True,
            reminder_time=dt.time(7, 0),
        )
        WeeklySummary.objects.create(
            patient=person, week_start=last_week, days_logged=3, computed_at=TONGA_MORNING
        )
    users = {u.time_zone: u for u in User.objects.filter(pk__in=[honolulu.pk, tonga.pk])}

    def weekly(user, moment):
        return [
            d.period
            for d in reminders_due(users=[user], as_of=moment, now=moment)
            if d.kind == "weekly_summary"
        ]

    for tz, user in users.items():
        opens = dt.datetime.combine(MON_30, dt.time(8, 0), tzinfo=ZoneInfo(tz))
        assert weekly(user, opens - dt.timedelta(minutes=1)) == [], tz
        assert weekly(user, opens) == [last_week.isoformat()], tz
    # The same instant is past Monday 08:00 in Tonga and Sunday evening in Honolulu.
    instant = dt.datetime(2026, 11, 29, 20, 0, tzinfo=dt.UTC)
    assert weekly(users[TONGA], instant) == [last_week.isoformat()]
    assert weekly(users[HONOLULU], instant) == []


# --- Share ends --------------------------------------------------------------------------


def shared(patient, last_day: dt.date):
    clinician = CareUserFactory()
    share = ShareFactory(patient=patient, scope=Scope.TRENDS, expires_on=last_day)
    MembershipFactory(team=share.team, user=clinician)
    return share, clinician


def can_see(clinician, patient) -> bool:
    try:
        grant_for(clinician, patient.public_id, need=Scope.TRENDS, what="trends")
    except Http404:
        return False
    return True


@pytest.mark.parametrize("tz", [HONOLULU, TONGA])
def test_a_share_lasts_to_the_end_of_its_last_local_day_and_not_a_moment_more(tz):
    """A share "until 30 November" ends at the patient's midnight after 30 November
    (accounts.timezones.end_of_local_day): the last microsecond before it still shows, the
    midnight itself does not (`expires_at > now`, not `>=`)."""
    patient = UserFactory(time_zone=tz)
    share, clinician = shared(patient, MON_30)
    midnight = dt.datetime(2026, 12, 1, tzinfo=ZoneInfo(tz))
    assert share.expires_at == midnight
    with frozen(midnight - dt.timedelta(microseconds=1)):
        assert can_see(clinician, patient)
    with frozen(midnight):
        assert not can_see(clinician, patient)


def test_the_same_utc_instant_is_inside_one_share_and_past_the_other():
    """Both shares end "after 30 November": at 05:00 UTC on 1 December Tonga's ended 16 hours
    ago; Honolulu's goes on until 10:00 UTC."""
    h, t = UserFactory(time_zone=HONOLULU), UserFactory(time_zone=TONGA)
    _, h_clinician = shared(h, MON_30)
    _, t_clinician = shared(t, MON_30)
    with frozen(HONOLULU_EVENING):
        assert can_see(h_clinician, h)
        assert not can_see(t_clinician, t)


# --- Questionnaires due ------------------------------------------------------------------


def test_a_questionnaire_is_due_by_the_patients_own_date(settings, honolulu, tonga):
    """Due 14 days after the last one (QUESTIONNAIRE_DUE_DAYS), counted in local days. Both
    filled their PHQ-9 on 16 November (local). At 05:00 UTC on 1 December, Honolulu is on
    30 November: 14 days, due. At 20:00 UTC on 30 November, Tonga is on 1 December: due; a
    Tonga PHQ-9 of 17 November is 14 days old there (13 by UTC's date): due too."""
    settings.QUESTIONNAIRE_DUE_DAYS = 14
    filled = MON_30 - dt.timedelta(days=14)
    scored_questionnaire(honolulu, "phq9", 5, filled)
    scored_questionnaire(tonga, "phq9", 5, filled + dt.timedelta(days=1))

    def phq9_due(patient):
        return {
            s.instrument: s.due for s in questionnaires_due(patient=patient, today=patient.today())
        }["phq9"]

    with frozen(HONOLULU_EVENING - dt.timedelta(days=1)):
        assert not phq9_due(honolulu)  # 13 local days
    with frozen(HONOLULU_EVENING):
        assert phq9_due(honolulu)
    with frozen(TONGA_MORNING):
        assert phq9_due(tonga)
    with frozen(TONGA_MORNING - dt.timedelta(days=1)):
        assert not phq9_due(tonga)


def test_the_home_page_says_due_by_the_local_date(client, settings, tonga):
    """The page a Tonga patient opens at 09:00 on their Tuesday: their PHQ-9 of 17 November is
    14 local days old (13 by UTC's Monday), so it is due."""
    settings.QUESTIONNAIRE_DUE_DAYS = 14
    scored_questionnaire(tonga, "phq9", 5, MON_30 - dt.timedelta(days=13))
    scored_questionnaire(tonga, "gad7", 5, TUE_1)
    client.force_login(tonga)
    with frozen(TONGA_MORNING):
        body = client.get(reverse("home")).content.decode()
    assert "Fill in the PHQ-9" in body
    assert "Fill in the GAD-7" not in body
