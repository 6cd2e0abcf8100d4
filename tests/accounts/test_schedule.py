"""When a person may be contacted (accounts/schedule.py): their reminder time, in their own
time zone, across daylight-saving changes, moved by every path that changes their choices.
Times are fixed instants passed in (no sleeping, no real clock)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from accounts.models import User
from accounts.schedule import next_occasion
from tests.factories import (
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


# --- The schedule (pure) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time_zone", "local_reminder", "expected_utc"),
    [
        ("Asia/Tokyo", "07:30", "2026-11-23T22:30"),
        ("America/New_York", "20:00", "2026-11-24T01:00"),
        ("Europe/London", "20:00", "2026-11-23T20:00"),
        ("Asia/Kolkata", "21:15", "2026-11-23T15:45"),
        ("Pacific/Auckland", "06:00", "2026-11-23T17:00"),
    ],
)
def test_the_next_reminder_is_the_chosen_local_time_in_each_time_zone(
    time_zone, local_reminder, expected_utc
):
    person = User(
        role="patient", time_zone=time_zone, reminder_time=dt.time.fromisoformat(local_reminder)
    )
    person.weekly_email_enabled = False
    after = at("2026-11-23T12:00")

    moment = next_occasion(person, after=after)

    assert moment == at(expected_utc)
    assert moment.astimezone(ZoneInfo(time_zone)).strftime("%H:%M") == local_reminder


def test_a_new_york_reminder_stays_at_8pm_local_across_the_spring_dst_change():
    person = User(role="patient", time_zone="America/New_York", reminder_time=dt.time(20, 0))
    person.weekly_email_enabled = False

    saturday = next_occasion(person, after=at("2026-03-07T12:00", "America/New_York"))
    sunday = next_occasion(person, after=saturday)  # clocks went forward at 02:00 on Sunday
    monday = next_occasion(person, after=sunday)

    assert saturday == at("2026-03-08T01:00")  # EST, UTC-5
    assert sunday == at("2026-03-09T00:00")  # EDT, UTC-4: 23 hours later, still 8 p.m.
    assert monday - sunday == dt.timedelta(hours=24)


def test_a_london_reminder_stays_at_local_time_across_the_autumn_dst_change():
    person = User(role="patient", time_zone="Europe/London", reminder_time=dt.time(9, 0))
    person.weekly_email_enabled = False

    saturday = next_occasion(person, after=at("2026-10-24T06:00", "Europe/London"))
    sunday = next_occasion(person, after=saturday)  # clocks went back at 02:00 on Sunday

    assert saturday == at("2026-10-24T08:00")  # BST, UTC+1
    assert sunday == at("2026-10-25T09:00")  # GMT: 25 hours later, still 9 a.m.


def test_a_time_the_clocks_skip_comes_just_after_the_gap_and_a_repeated_time_comes_once():
    skipped = User(role="patient", time_zone="America/New_York", reminder_time=dt.time(2, 30))
    skipped.weekly_email_enabled = False
    spring = next_occasion(skipped, after=at("2026-03-08T00:00", "America/New_York"))
    assert spring == at("2026-03-08T07:30")  # 03:30 EDT, the first minute that exists after

    fall = next_occasion(
        User(
            role="patient",
            time_zone="America/New_York",
            reminder_time=dt.time(1, 30),
            weekly_email_enabled=False,
        ),
        after=at("2026-11-01T00:00", "America/New_York"),
    )
    following = next_occasion(
        User(
            role="patient",
            time_zone="America/New_York",
            reminder_time=dt.time(1, 30),
            weekly_email_enabled=False,
        ),
        after=fall,
    )
    assert fall == at("2026-11-01T05:30")  # the first 01:30 (EDT)
    assert following == at("2026-11-02T06:30")  # not the second 01:30 an hour later


@hyp_settings(max_examples=300, deadline=None)
@given(
    time_zone=st.sampled_from(
        ["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Tokyo", "America/Sao_Paulo"]
    ),
    minutes=st.integers(min_value=0, max_value=24 * 60 - 1),
    after=st.datetimes(
        min_value=dt.datetime(2025, 1, 1),
        max_value=dt.datetime(2028, 12, 31),
        timezones=st.just(UTC),
    ),
)
def test_the_next_daily_reminder_is_always_ahead_within_a_day_and_at_the_chosen_time(
    time_zone, minutes, after
):
    chosen = dt.time(minutes // 60, minutes % 60)
    person = User(role="patient", time_zone=time_zone, reminder_time=chosen)
    person.weekly_email_enabled = False

    moment = next_occasion(person, after=after)

    assert after < moment <= after + dt.timedelta(hours=25)
    local = moment.astimezone(ZoneInfo(time_zone))
    if local.replace(tzinfo=None).time() != chosen:  # only a time the clocks skipped moves
        skipped = dt.datetime.combine(local.date(), chosen, tzinfo=ZoneInfo(time_zone))
        assert skipped.astimezone(UTC).astimezone(ZoneInfo(time_zone)).time() != chosen


def test_nothing_is_scheduled_when_every_email_is_off_or_for_care_team_accounts():
    off = User(
        role="patient",
        reminder_enabled=False,
        questionnaire_reminder_enabled=False,
        weekly_email_enabled=False,
        integration_reminders_enabled=False,
    )
    care = User(role="care")
    after = at("2026-11-24T12:00")
    assert next_occasion(off, after=after) is None
    assert next_occasion(care, after=after) is None


@pytest.mark.django_db
def test_saving_settings_moves_the_next_reminder_to_the_new_time_and_zone(patient_client, patient):
    response = patient_client.post(
        reverse("profile_settings"),
        {
            "display_name": "Sam",
            "time_zone": "Asia/Tokyo",
            "reminder_enabled": "on",
            "reminder_time": "07:30",
        },
    )

    assert response.status_code == 302
    patient.refresh_from_db()
    local = patient.next_reminder_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert local.strftime("%H:%M") == "07:30"
    page = patient_client.get(reverse("profile_settings")).content.decode()
    assert "07:30" in page and "Asia/Tokyo time" in page


@pytest.mark.django_db
def test_signing_up_schedules_the_first_reminder(client):
    client.post(
        reverse("account_signup"),
        {
            "email": "new.person@example.test",
            "password1": "a-long-test-passphrase-41",
            "reminder_enabled": "on",
            "reminder_time": "21:00",
            "time_zone": "Europe/Berlin",
        },
    )
    person = User.objects.get(email="new.person@example.test")
    local = person.next_reminder_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert local.strftime("%H:%M") in {"08:00", "21:00"}  # weekly email Monday 8:00, or 9 p.m.
    assert person.next_reminder_at > at("2026-01-01T00:00")
