"""When a person has asked to hear from us: the next moment a reminder may be due.

The schedule is one column. `User.next_reminder_at` (UTC, partially indexed) holds the next
moment anything may be due for that person: their chosen reminder time in their own time zone
(every day, if any reminder is on), or Monday 08:00 local for the weekly email, whichever comes
first. These are pure functions of the person's own choices and an instant; what is actually
due at such a moment (no check-in yet, a questionnaire due, ...) is the journal's to decide
(`journal/reminders/`). Every path that changes the choices, the time zone or the account's
status calls `reminder_schedule_refresh` (forms, admin, unsubscribe, demo).
"""

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from .models import User
from .timezones import local_instant, zone

WEEKLY_EMAIL_TIME = dt.time(8, 0)
# A reminder that could not go out within this long after its moment (beat down, worker backlog)
# is dropped: "you haven't checked in today" at 3 a.m. helps nobody. Longer than the Redis
# visibility timeout, so a task redelivered after a killed worker still sends.
MAX_LATENESS = dt.timedelta(hours=2)

# What the schedule needs from a user row; the dispatcher loads only these.
SCHEDULE_FIELDS = (
    "id",
    "role",
    "is_active",
    "time_zone",
    "reminder_time",
    "reminder_enabled",
    "questionnaire_reminder_enabled",
    "weekly_email_enabled",
    "integration_reminders_enabled",
    "reminder_push",
    "questionnaire_reminder_push",
    "weekly_push",
    "integration_reminders_push",
    "next_reminder_at",
)


def daily_switch_on(user: User) -> bool:
    """Any reminder that comes at the person's daily reminder time is switched on, by email or
    by notification."""
    return bool(
        user.reminder_enabled
        or user.questionnaire_reminder_enabled
        or user.integration_reminders_enabled
        or user.reminder_push
        or user.questionnaire_reminder_push
        or user.integration_reminders_push
    )


def weekly_switch_on(user: User) -> bool:
    """The weekly note is switched on, by email or by notification."""
    return bool(user.weekly_email_enabled or user.weekly_push)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def next_occasion(user: User, *, after: dt.datetime) -> dt.datetime | None:
    """The first moment strictly after `after` when something may be due for `user`, or None
    if nothing is switched on (or the account is inactive, or not a patient's)."""
    if not user.is_active or user.role != User.Role.PATIENT:
        return None
    tz = zone(user.time_zone)
    today = after.astimezone(tz).date()
    moments = []
    # The reminder time is a moment whenever any email is on: it is also when a weekly email
    # whose summary was not ready at Monday 08:00 gets its next chance.
    if daily_switch_on(user) or weekly_switch_on(user):
        for day in (today, today + dt.timedelta(days=1)):
            moment = local_instant(day, user.reminder_time, tz)
            if moment > after:
                moments.append(moment)
                break
    if weekly_switch_on(user):
        monday = week_start(today)
        for day in (monday, monday + dt.timedelta(days=7)):
            moment = local_instant(day, WEEKLY_EMAIL_TIME, tz)
            if moment > after:
                moments.append(moment)
                break
    return min(moments, default=None)


def last_daily_occasion(user: User, *, at: dt.datetime) -> dt.datetime:
    """The latest reminder-time moment at or before `at`, in the user's own time zone."""
    tz = zone(user.time_zone)
    today = at.astimezone(tz).date()
    moment = local_instant(today, user.reminder_time, tz)
    if moment <= at:
        return moment
    return local_instant(today - dt.timedelta(days=1), user.reminder_time, tz)


def weekly_email_opens(user: User, *, day: dt.date) -> dt.datetime:
    """When the weekly email about the week before `day`'s week may go out: Monday 08:00 local."""
    return local_instant(week_start(day), WEEKLY_EMAIL_TIME, zone(user.time_zone))


def reminder_schedule_refresh(*, user: User, now: dt.datetime | None = None) -> dt.datetime | None:
    """Recompute and store `user.next_reminder_at` after a change of preferences, time zone or
    account status. Call it from every path that changes those (forms, admin, unsubscribe)."""
    moment = next_occasion(user, after=now or timezone.now())
    User.objects.filter(pk=user.pk).update(next_reminder_at=moment)
    user.next_reminder_at = moment
    return moment


def reminder_schedules_refresh(*, user_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """The same for many accounts (admin bulk actions): one select, one bulk update."""
    now = now or timezone.now()
    users = list(User.objects.filter(pk__in=list(user_ids)).only(*SCHEDULE_FIELDS))
    for user in users:
        user.next_reminder_at = next_occasion(user, after=now)
    User.objects.bulk_update(users, ["next_reminder_at"], batch_size=500)
    return len(users)
