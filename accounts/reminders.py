"""Reminder emails: who is due, when, in each patient's own time, and sending each one once.

The schedule is one column. `User.next_reminder_at` (UTC, partially indexed) holds the next
moment anything may be due for that person: their chosen reminder time in their own time zone
(every day, if any email is on), or Monday 08:00 local for the weekly email, whichever comes
first. The beat job
(`reminders_dispatch_due`) selects `next_reminder_at <= now` in batches with
`SELECT ... FOR UPDATE SKIP LOCKED`, moves each row on to its next moment in the same
transaction, and publishes one send task per batch: one indexed query a batch, never a loop
over all patients, and two beats running at once split the work instead of doubling it.

The send task (`reminders_send`) takes ids and the dispatch time only. When it runs it re-reads
each patient (still active, switch still on), decides what is due in a fixed number of queries
for the whole batch (not checked in yet, questionnaire due, a session in the last three days, a
weekly summary ready), and sends each email through one SMTP connection with
`accounts.emails.deliver_once`, whose log makes every (patient, kind, period) go out once.

What is sent, and its period (the occasion it is sent once for):
- check-in reminder: at the reminder time, if there is no check-in for that local day; period =
  the local date.
- questionnaire due: at the reminder time, when the last PHQ-9 or GAD-7 is more than
  QUESTIONNAIRE_DUE_DAYS days before the local day, or there is none; period = the due cycles,
  e.g. "phq9:2026-11-01,gad7:never" (a cycle ends when a new response is saved). Each cycle is
  mailed once; two due together share one email.
- integration reminder (opt-in): at the reminder time on the three days after a treatment
  session; period = the local date.
- weekly email: from Monday 08:00 local, once the weekly job has written the WeeklySummary of the
  week that just ended; period = that week's Monday.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from . import unsubscribe as kinds
from .emails import PreparedEmail, claim_deliveries, deliver_once
from .models import EmailDelivery, User
from .timezones import local_instant, zone

WEEKLY_EMAIL_TIME = dt.time(8, 0)
# A reminder that could not go out within this long after its moment (beat down, worker backlog)
# is dropped: "you haven't checked in today" at 3 a.m. helps nobody. Longer than the Redis
# visibility timeout, so a task redelivered after a killed worker still sends.
MAX_LATENESS = dt.timedelta(hours=2)
INTEGRATION_DAYS = 3
INSTRUMENTS = ("phq9", "gad7")

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
    "next_reminder_at",
)


# --- The schedule: pure functions of a person's preferences and an instant -------------------


def _daily_switch_on(user) -> bool:
    return bool(
        user.reminder_enabled
        or user.questionnaire_reminder_enabled
        or user.integration_reminders_enabled
    )


def next_occasion(user, *, after: dt.datetime) -> dt.datetime | None:
    """The first moment strictly after `after` when something may be due for `user`, or None
    if nothing is switched on (or the account is inactive, or not a patient's)."""
    if not user.is_active or user.role != User.Role.PATIENT:
        return None
    tz = zone(user.time_zone)
    today = after.astimezone(tz).date()
    moments = []
    # The reminder time is a moment whenever any email is on: it is also when a weekly email
    # whose summary was not ready at Monday 08:00 gets its next chance.
    if _daily_switch_on(user) or user.weekly_email_enabled:
        for day in (today, today + dt.timedelta(days=1)):
            moment = local_instant(day, user.reminder_time, tz)
            if moment > after:
                moments.append(moment)
                break
    if user.weekly_email_enabled:
        monday = today - dt.timedelta(days=today.weekday())
        for day in (monday, monday + dt.timedelta(days=7)):
            moment = local_instant(day, WEEKLY_EMAIL_TIME, tz)
            if moment > after:
                moments.append(moment)
                break
    return min(moments, default=None)


def last_daily_occasion(user, *, at: dt.datetime) -> dt.datetime:
    """The latest reminder-time moment at or before `at`, in the user's own time zone."""
    tz = zone(user.time_zone)
    today = at.astimezone(tz).date()
    moment = local_instant(today, user.reminder_time, tz)
    if moment <= at:
        return moment
    return local_instant(today - dt.timedelta(days=1), user.reminder_time, tz)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def reminder_schedule_refresh(*, user: User, now: dt.datetime | None = None) -> dt.datetime | None:
    """Recompute and store `user.next_reminder_at` after a change of preferences, time zone or
    account status. Call it from every path that changes those (forms, admin, unsubscribe)."""
    moment = next_occasion(user, after=now or timezone.now())
    User.objects.filter(pk=user.pk).update(next_reminder_at=moment)
    user.next_reminder_at = moment
    return moment


def reminder_schedules_refresh(*, user_ids, now: dt.datetime | None = None) -> int:
    """The same for many accounts (admin bulk actions): one select, one bulk update."""
    now = now or timezone.now()
    users = list(User.objects.filter(pk__in=user_ids).only(*SCHEDULE_FIELDS))
    for user in users:
        user.next_reminder_at = next_occasion(user, after=now)
    User.objects.bulk_update(users, ["next_reminder_at"], batch_size=500)
    return len(users)


# --- Finding who is due: the beat job --------------------------------------------------------


def reminders_claim_due(*, now: dt.datetime, limit: int) -> list[int]:
    """Up to `limit` accounts whose moment has come, each moved on to its next moment.

    Runs inside the caller's transaction: the rows stay locked until it commits, and SKIP LOCKED
    lets a second beat running at the same time take the next rows instead of the same ones.
    """
    users = list(
        User.objects.select_for_update(skip_locked=True)
        .filter(next_reminder_at__lte=now)
        .order_by("next_reminder_at")
        .only(*SCHEDULE_FIELDS)[:limit]
    )
    by_moment: dict[dt.datetime | None, list[int]] = {}
    for user in users:
        by_moment.setdefault(next_occasion(user, after=now), []).append(user.pk)
    # One UPDATE per distinct next moment: people who share a time zone and reminder time
    # (most of them: 8 p.m. is the default) share one statement.
    for moment, user_ids in by_moment.items():
        User.objects.filter(pk__in=user_ids).update(next_reminder_at=moment)
    return [user.pk for user in users]


def reminders_dispatch_due(*, now: dt.datetime | None = None, batch_size: int | None = None):
    """Claim everyone due at `now`, batch by batch, and publish one send task per batch.
    Returns the number of accounts claimed."""
    from .tasks import reminders_send_batch  # tasks import this module

    now = now or timezone.now()
    size = batch_size or settings.REMINDER_BATCH_SIZE
    claimed = 0
    while True:
        with transaction.atomic():
            user_ids = reminders_claim_due(now=now, limit=size)
            if user_ids:
                # Published inside the transaction on purpose (not on commit): if the broker is
                # down the publish raises, the claim rolls back, and the next beat tries these
                # accounts again instead of silently skipping their reminder. The task needs
                # nothing this transaction writes, and a task published for a claim that then
                # fails to commit is harmless: the next claim publishes again, the delivery log
                # keeps it to one email.
                reminders_send_batch.apply_async(
                    kwargs={"user_ids": user_ids, "as_of": now.isoformat()}
                )
        claimed += len(user_ids)
        if len(user_ids) < size:
            return claimed


# --- Deciding what each patient is due: set-based over a batch -------------------------------


@dataclass(frozen=True)
class Due:
    user: User = field(compare=False)
    kind: str
    period: str

    @property
    def template(self) -> str:
        return self.kind


def _questionnaire_cycles(last_days: dict, user_id: int, day: dt.date) -> list[str]:
    cycles = []
    for instrument in INSTRUMENTS:
        last = last_days.get((user_id, instrument))
        if last is None or last < day - dt.timedelta(days=settings.QUESTIONNAIRE_DUE_DAYS):
            cycles.append(f"{instrument}:{last.isoformat() if last else 'never'}")
    return cycles


def reminders_due(*, users: list[User], as_of: dt.datetime, now: dt.datetime) -> list[Due]:
    """What each of `users` is due at the dispatch moment `as_of`, judged now (preferences and
    check-ins as they are when the task runs). A fixed number of queries whatever the batch."""
    from journal.models import CheckIn, QuestionnaireResponse, TreatmentSession, WeeklySummary

    daily_day = {}  # user id -> local day of a daily moment still worth sending for
    for user in users:
        moment = last_daily_occasion(user, at=as_of)
        if _daily_switch_on(user) and now - moment <= MAX_LATENESS:
            daily_day[user.pk] = moment.astimezone(zone(user.time_zone)).date()
    local_day = {u.pk: as_of.astimezone(zone(u.time_zone)).date() for u in users}
    weekly_week = {}  # user id -> the finished week whose email may go out now
    for user in users:
        day = local_day[user.pk]
        monday = week_start(day)
        opens = local_instant(monday, WEEKLY_EMAIL_TIME, zone(user.time_zone))
        if user.weekly_email_enabled and as_of >= opens:
            weekly_week[user.pk] = monday - dt.timedelta(days=7)

    def wanted(switch):
        return [u.pk for u in users if getattr(u, switch) and u.pk in daily_day]

    checkin_ids = wanted("reminder_enabled")
    checked_in = set()
    if checkin_ids:
        checked_in = set(
            CheckIn.objects.filter(
                patient_id__in=checkin_ids, day__in={daily_day[i] for i in checkin_ids}
            ).values_list("patient_id", "day")
        )
    questionnaire_ids = wanted("questionnaire_reminder_enabled")
    last_days, mailed_cycles = {}, {}
    if questionnaire_ids:
        rows = (
            QuestionnaireResponse.objects.filter(patient_id__in=questionnaire_ids)
            .values("patient_id", "instrument")
            .annotate(last=Max("day"))
        )
        last_days = {(r["patient_id"], r["instrument"]): r["last"] for r in rows}
        for recipient_id, period in (
            EmailDelivery.objects.filter(
                recipient_id__in=questionnaire_ids, kind=kinds.QUESTIONNAIRE_DUE
            )
            .exclude(status=EmailDelivery.Status.PENDING)
            .values_list("recipient_id", "period")
        ):
            mailed_cycles.setdefault(recipient_id, set()).update(period.split(","))
    integration_ids = wanted("integration_reminders_enabled")
    session_days = set()
    if integration_ids:
        days = [daily_day[i] for i in integration_ids]
        session_days = set(
            TreatmentSession.objects.filter(
                patient_id__in=integration_ids,
                day__gte=min(days) - dt.timedelta(days=INTEGRATION_DAYS),
                day__lt=max(days),
            ).values_list("patient_id", "day")
        )
    summaries = set()
    if weekly_week:
        summaries = set(
            WeeklySummary.objects.filter(
                patient_id__in=list(weekly_week), week_start__in=set(weekly_week.values())
            ).values_list("patient_id", "week_start")
        )

    plan = []
    for user in users:
        day = daily_day.get(user.pk)
        if user.pk in weekly_week and (user.pk, weekly_week[user.pk]) in summaries:
            plan.append(Due(user, kinds.WEEKLY_SUMMARY, weekly_week[user.pk].isoformat()))
        if day is None:
            continue
        if user.reminder_enabled and (user.pk, day) not in checked_in:
            plan.append(Due(user, kinds.CHECKIN_REMINDER, day.isoformat()))
        if user.questionnaire_reminder_enabled:
            done = mailed_cycles.get(user.pk, set())
            cycles = [c for c in _questionnaire_cycles(last_days, user.pk, day) if c not in done]
            if cycles:
                plan.append(Due(user, kinds.QUESTIONNAIRE_DUE, ",".join(cycles)))
        if user.integration_reminders_enabled and any(
            (user.pk, day - dt.timedelta(days=n)) in session_days
            for n in range(1, INTEGRATION_DAYS + 1)
        ):
            plan.append(Due(user, kinds.INTEGRATION_REMINDER, day.isoformat()))
    return plan


# --- Sending ---------------------------------------------------------------------------------


# Where each email's button leads: straight to the thing it is about, one tap from the inbox.
ACTION_URL_NAMES = {
    kinds.CHECKIN_REMINDER: "checkin",
    kinds.QUESTIONNAIRE_DUE: "questionnaires",
    kinds.WEEKLY_SUMMARY: "trends",
    kinds.INTEGRATION_REMINDER: "checkin",
}


def _links() -> dict:
    return {
        "settings_url": f"{settings.SITE_URL}{reverse('profile_settings')}",
        "help_url": f"{settings.SITE_URL}{reverse('need_help_now')}",
    }


def _action_url(kind: str) -> str:
    return f"{settings.SITE_URL}{reverse(ACTION_URL_NAMES.get(kind, 'home'))}"


def reminders_send(
    *,
    user_ids: list[int],
    as_of: dt.datetime,
    now: dt.datetime | None = None,
    connection=None,
) -> int:
    """Send what these patients are due at `as_of`, once each, over one SMTP connection.
    Returns how many emails this call sent. Transient SMTP errors propagate (the task retries
    the batch; what was sent is skipped by the log); permanent ones are recorded and skipped."""
    now = now or timezone.now()
    users = list(
        User.objects.filter(pk__in=user_ids, is_active=True, role=User.Role.PATIENT).order_by("pk")
    )
    plan = reminders_due(users=users, as_of=as_of, now=now)
    if not plan:
        return 0
    claimed = claim_deliveries([(due.user.pk, due.kind, due.period) for due in plan])
    links = _links()
    # A greeting and links. Never a mood, a score, a note or a signal: the email may be read
    # on a shared screen or a lock screen. Each kind is rendered once for the whole batch.
    templates = {due.kind: due.template for due in plan}
    contexts = {kind: {"action_url": _action_url(kind), **links} for kind in templates}
    prepared = {
        kind: PreparedEmail(name=template, context=contexts[kind])
        for kind, template in templates.items()
    }
    own_connection = connection is None
    connection = connection or get_connection()
    connection.open()
    sent = 0
    try:
        for due in plan:
            sent += deliver_once(
                recipient=due.user,
                kind=due.kind,
                period=due.period,
                name=due.template,
                context={"greeting_name": due.user.greeting_name, **contexts[due.kind]},
                unsubscribe_url=kinds.unsubscribe_url(user_id=due.user.pk, kind=due.kind),
                connection=connection,
                prepared=prepared[due.kind],
                claimed=claimed.get((due.user.pk, due.kind, due.period)),
            )
    finally:
        if own_connection:
            connection.close()
    return sent
