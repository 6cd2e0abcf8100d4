"""What each patient of a batch is due at a dispatch moment: set-based, a fixed number of queries
whatever the batch (see the package docstring for the kinds and their periods)."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Max

from accounts import unsubscribe as kinds
from accounts.delivery import EMAIL, PUSH
from accounts.models import EmailDelivery, PushSubscription, User
from accounts.push import push_enabled
from accounts.schedule import (
    MAX_LATENESS,
    daily_switch_on,
    last_daily_occasion,
    week_start,
    weekly_email_opens,
)
from accounts.timezones import zone

from ..care import Rhythm, care_teams
from ..models import (
    INTEGRATION_DAYS,
    CheckIn,
    Instrument,
    QuestionnaireResponse,
    TreatmentSession,
    WeeklySummary,
)
from ..questionnaires import due_again
from ..selectors import PRE_SESSION_HOURS


@dataclass(frozen=True)
class Due:
    user: User = field(compare=False)
    kind: str
    period: str
    # How it goes out: email, notification (push), or both, as the person chose for this kind.
    channels: tuple[str, ...] = (EMAIL,)

    @property
    def template(self) -> str:
        return self.kind

    def occasions(self) -> list[tuple[int, str, str, str]]:
        """One delivery log row per channel: (recipient id, kind, period, channel)."""
        return [(self.user.pk, self.kind, self.period, channel) for channel in self.channels]


def channels(user: User, kind: str, *, has_device: bool) -> tuple[str, ...]:
    """The channels `user` chose for `kind`. A notification needs a device that has them on."""
    chosen = []
    if getattr(user, kinds.PREFERENCES[kind][0]):
        chosen.append(EMAIL)
    if has_device and getattr(user, kinds.PUSH_SWITCHES[kind]):
        chosen.append(PUSH)
    return tuple(chosen)


def _with_devices(users: list[User]) -> set[int]:
    """Which of `users` have a device with notifications on (one query, and none at all when
    push is not configured or nobody in the batch chose a notification)."""
    wanting = [u.pk for u in users if any(getattr(u, f) for f in kinds.PUSH_SWITCHES.values())]
    if not wanting or not push_enabled():
        return set()
    return set(
        PushSubscription.objects.filter(user_id__in=wanting)
        .values_list("user_id", flat=True)
        .distinct()
    )


def questionnaire_cycles(
    last_days: dict, user_id: int, day: dt.date, rhythms: dict | None = None
) -> list[str]:
    """The due cycles of `user_id` on `day`: one per instrument due again by
    `questionnaires.due_again` (never filled, or last filled QUESTIONNAIRE_DUE_DAYS or more
    days before `day`, or as often as a team asked: `rhythms`, from `journal.care`), the very
    rule the home page uses, named by that last day."""
    cycles = []
    for instrument in Instrument.values:
        last = last_days.get((user_id, instrument))
        rhythm = (rhythms or {}).get((user_id, instrument))
        if due_again(last=last, day=day, every_days=rhythm.every_days if rhythm else None):
            cycles.append(f"{instrument}:{last.isoformat() if last else 'never'}")
    return cycles


def before_session_cycle(last_at: dict, user_id: int, session: TreatmentSession) -> list[str]:
    """The PHQ-9 cycle due before a session booked within PRE_SESSION_HOURS: none when a PHQ-9
    was filled in since PRE_SESSION_HOURS before it, else one named by the session."""
    last = last_at.get((user_id, Instrument.PHQ9))
    if last is not None and last >= session.started_at - dt.timedelta(hours=PRE_SESSION_HOURS):
        return []
    return [f"{Instrument.PHQ9.value}:before:{session.pk}"]


def reminders_due(*, users: list[User], as_of: dt.datetime, now: dt.datetime) -> list[Due]:
    """What each of `users` is due at the dispatch moment `as_of`, judged now (preferences and
    check-ins as they are when the task runs). A fixed number of queries whatever the batch."""
    daily_day: dict[
        int, dt.date
    ] = {}  # user id -> local day of a daily moment still worth sending for
    for user in users:
        moment = last_daily_occasion(user, at=as_of)
        if daily_switch_on(user) and now - moment <= MAX_LATENESS:
            daily_day[user.pk] = moment.astimezone(zone(user.time_zone)).date()
    weekly_week: dict[int, dt.date] = {}  # user id -> the finished week whose email may go out now
    devices = _with_devices(users)
    chosen = {
        (user.pk, kind): channels(user, kind, has_device=user.pk in devices)
        for user in users
        for kind in kinds.PREFERENCES
    }
    for user in users:
        day = as_of.astimezone(zone(user.time_zone)).date()
        if chosen[user.pk, kinds.WEEKLY_SUMMARY] and as_of >= weekly_email_opens(user, day=day):
            weekly_week[user.pk] = week_start(day) - dt.timedelta(days=7)

    def wanted(kind: str) -> list[int]:
        return [u.pk for u in users if chosen[u.pk, kind] and u.pk in daily_day]

    checkin_ids = wanted(kinds.CHECKIN_REMINDER)
    checked_in: set[tuple[int, dt.date]] = set()
    if checkin_ids:
        checked_in = set(
            CheckIn.objects.filter(
                patient_id__in=checkin_ids, day__in={daily_day[i] for i in checkin_ids}
            ).values_list("patient_id", "day")
        )
    questionnaire_ids = wanted(kinds.QUESTIONNAIRE_DUE)
    last_days: dict[tuple[int, str], dt.date] = {}
    last_at: dict[tuple[int, str], dt.datetime] = {}
    rhythms: dict[tuple[int, str], Rhythm] = {}
    mailed_cycles: dict[int, set[str]] = {}
    booked: dict[int, TreatmentSession] = {}
    if questionnaire_ids:
        rows = (
            QuestionnaireResponse.objects.filter(patient_id__in=questionnaire_ids)
            .values("patient_id", "instrument")
            .annotate(last=Max("day"), last_at=Max("submitted_at"))
        )
        last_days = {(r["patient_id"], r["instrument"]): r["last"] for r in rows}
        last_at = {(r["patient_id"], r["instrument"]): r["last_at"] for r in rows}
        # The next session booked in the 48 hours after this moment, per patient (the PHQ-9 is
        # due before it, as on the home page: journal.selectors.questionnaires_due).
        for session in TreatmentSession.objects.filter(
            patient_id__in=questionnaire_ids,
            started_at__gt=as_of,
            started_at__lte=as_of + dt.timedelta(hours=PRE_SESSION_HOURS),
        ).order_by("-started_at"):
            booked[session.patient_id] = session
        rhythms = care_teams().questionnaire_rhythms(questionnaire_ids)
        for recipient_id, period in (
            EmailDelivery.objects.filter(
                recipient_id__in=questionnaire_ids, kind=kinds.QUESTIONNAIRE_DUE
            )
            # A cycle is done once any channel tried it; a pending row is still to be sent
            # (the beat logs it before the batch runs) and a skipped one never was.
            .exclude(status__in=[EmailDelivery.Status.PENDING, EmailDelivery.Status.SKIPPED])
            .values_list("recipient_id", "period")
        ):
            mailed_cycles.setdefault(recipient_id, set()).update(period.split(","))
    integration_ids = wanted(kinds.INTEGRATION_REMINDER)
    session_days: set[tuple[int, dt.date]] = set()
    reflected: set[tuple[int, dt.date]] = set()
    if integration_ids:
        days = {daily_day[i] for i in integration_ids}
        session_days = set(
            TreatmentSession.objects.filter(
                patient_id__in=integration_ids,
                day__in={d - dt.timedelta(days=n) for d in days for n in INTEGRATION_DAYS},
            ).values_list("patient_id", "day")
        )
        # A prompt already answered today needs no reminder (each is answered once).
        reflected = set(
            CheckIn.objects.filter(patient_id__in=integration_ids, day__in=days)
            .exclude(integration_shifted="", integration_carry_forward="")
            .values_list("patient_id", "day")
        )
    summaries: set[tuple[int, dt.date]] = set()
    if weekly_week:
        summaries = set(
            WeeklySummary.objects.filter(
                patient_id__in=list(weekly_week), week_start__in=set(weekly_week.values())
            ).values_list("patient_id", "week_start")
        )

    plan = []
    for user in users:
        if user.pk in weekly_week and (user.pk, weekly_week[user.pk]) in summaries:
            week = weekly_week[user.pk].isoformat()
            plan.append(
                Due(user, kinds.WEEKLY_SUMMARY, week, chosen[user.pk, kinds.WEEKLY_SUMMARY])
            )
        if user.pk not in daily_day:
            continue
        day = daily_day[user.pk]
        if chosen[user.pk, kinds.CHECKIN_REMINDER] and (user.pk, day) not in checked_in:
            plan.append(
                Due(
                    user,
                    kinds.CHECKIN_REMINDER,
                    day.isoformat(),
                    chosen[user.pk, kinds.CHECKIN_REMINDER],
                )
            )
        if chosen[user.pk, kinds.QUESTIONNAIRE_DUE]:
            done = mailed_cycles.get(user.pk, set())
            cycles = questionnaire_cycles(last_days, user.pk, day, rhythms)
            soon = booked.get(user.pk)
            if soon is not None:
                cycles.extend(before_session_cycle(last_at, user.pk, soon))
            cycles = [c for c in cycles if c not in done]
            if cycles:
                plan.append(
                    Due(
                        user,
                        kinds.QUESTIONNAIRE_DUE,
                        ",".join(cycles),
                        chosen[user.pk, kinds.QUESTIONNAIRE_DUE],
                    )
                )
        if (
            chosen[user.pk, kinds.INTEGRATION_REMINDER]
            and (user.pk, day) not in reflected
            and any((user.pk, day - dt.timedelta(days=n)) in session_days for n in INTEGRATION_DAYS)
        ):
            plan.append(
                Due(
                    user,
                    kinds.INTEGRATION_REMINDER,
                    day.isoformat(),
                    chosen[user.pk, kinds.INTEGRATION_REMINDER],
                )
            )
    return plan
