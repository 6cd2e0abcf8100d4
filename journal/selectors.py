"""Reads used by the journal pages. Each is a fixed number of queries, whatever the history."""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone

from .after_session import moment_for
from .care import Rhythm, care_teams
from .models import Activity, CheckIn, QuestionnaireResponse, SessionCheck, TreatmentSession
from .questionnaires import PHQ9, SPECS, Spec, due_again

HISTORY_PAGE_SIZE = 30
# The streak is counted over at most this many days; beyond it the page says "a year or more".
STREAK_LOOKBACK = 366


def activities_for(patient):
    """Built-in tags first, then the patient's own, never anyone else's."""
    return Activity.objects.filter(Q(owner__isnull=True) | Q(owner=patient)).order_by(
        F("owner_id").asc(nulls_first=True), "position", "name"
    )


def checkin_for_day(*, patient, day: dt.date) -> CheckIn | None:
    return (
        CheckIn.objects.for_patient(patient).filter(day=day).prefetch_related("activities").first()
    )


def streak_days(*, patient, today: dt.date) -> int:
    """Consecutive days logged, ending today, or yesterday if today isn't logged yet (the streak
    is still alive until the day is over). One query over the last year of dates."""
    days = set(
        CheckIn.objects.for_patient(patient)
        .filter(day__range=(today - dt.timedelta(days=STREAK_LOOKBACK), today))
        .values_list("day", flat=True)
    )
    cursor = today if today in days else today - dt.timedelta(days=1)
    count = 0
    while cursor in days:
        count += 1
        cursor -= dt.timedelta(days=1)
    return count


@dataclass
class DueStatus:
    spec: Spec
    last_day: dt.date | None
    due: bool
    # A booked session this PHQ-9 is asked before, when that is why it is due.
    before_session: TreatmentSession | None = None
    # The rhythm the patient's teams set for it (who asked, how often), if any.
    rhythm: Rhythm | None = None

    @property
    def instrument(self) -> str:
        return self.spec.instrument


# The PHQ-9 before a session: asked in the 48 hours before it, so the course's numbers (and the
# clinic) have a score from just before each session.
PRE_SESSION_HOURS = 48


def booked_session_soon(*, patient, now: dt.datetime) -> TreatmentSession | None:
    """The patient's next session booked in the coming 48 hours, if any. One query."""
    return (
        TreatmentSession.objects.for_patient(patient)
        .filter(started_at__gt=now, started_at__lte=now + dt.timedelta(hours=PRE_SESSION_HOURS))
        .order_by("started_at")
        .first()
    )


def questionnaires_due(*, patient, today: dt.date) -> list[DueStatus]:
    """For each instrument: when it was last filled and whether it is due again
    (`questionnaires.due_again`: never filled, or `QUESTIONNAIRE_DUE_DAYS` or more days ago,
    or as often as a team sharing trends asked); the PHQ-9 (and a questionnaire a team asks
    for before each session) also when a session is booked in the next 48 hours and none was
    filled in since 48 hours before it. Three queries."""
    rows = (
        QuestionnaireResponse.objects.for_patient(patient)
        .values("instrument")
        .annotate(last=Max("day"), last_at=Max("submitted_at"))
        .values_list("instrument", "last", "last_at")
    )
    last = {instrument: day for instrument, day, _ in rows}
    last_at = {instrument: at for instrument, _, at in rows}
    rhythms = care_teams().questionnaire_rhythms([patient.pk])
    session = booked_session_soon(patient=patient, now=timezone.now())
    statuses = []
    for key, spec in SPECS.items():
        rhythm = rhythms.get((patient.pk, key))
        every_days = rhythm.every_days if rhythm else None
        due = due_again(last=last.get(key), day=today, every_days=every_days)
        before = None
        asked_before = key == PHQ9.instrument or (rhythm is not None and rhythm.before_session)
        if asked_before and session is not None:
            window = session.started_at - dt.timedelta(hours=PRE_SESSION_HOURS)
            if last_at.get(key) is None or last_at[key] < window:
                due, before = True, session
        statuses.append(
            DueStatus(
                spec=spec, last_day=last.get(key), due=due, before_session=before, rhythm=rhythm
            )
        )
    return statuses


def questionnaire_history(*, patient, limit: int = 60) -> list[QuestionnaireResponse]:
    return list(
        QuestionnaireResponse.objects.for_patient(patient)
        .only("id", "instrument", "total", "band", "day", "submitted_at")
        .order_by("-submitted_at")[:limit]
    )


def history_page(*, patient, page_number) -> Page:
    """One page of past check-ins, newest first, with their tags (count + page + tags)."""
    checkins = CheckIn.objects.for_patient(patient).order_by("-day").prefetch_related("activities")
    return Paginator(checkins, HISTORY_PAGE_SIZE).get_page(page_number)


@dataclass
class PixelDay:
    day: dt.date
    mood: int | None
    future: bool


@dataclass
class PixelMonth:
    name: str
    days: list[PixelDay]
    padding: list[int]  # empty cells after the month's last day, so rows line up at 31


def year_in_pixels(*, patient, year: int, today: dt.date) -> list[PixelMonth]:
    """Twelve rows (months) of up to 31 days, each day with its mood or None. One query."""
    moods = dict(
        CheckIn.objects.for_patient(patient).filter(day__year=year).values_list("day", "mood")
    )
    months = []
    for month in range(1, 13):
        length = calendar.monthrange(year, month)[1]
        days = []
        for d in range(1, length + 1):
            day = dt.date(year, month, d)
            days.append(PixelDay(day=day, mood=moods.get(day), future=day > today))
        months.append(
            PixelMonth(name=calendar.month_abbr[month], days=days, padding=list(range(31 - length)))
        )
    return months


def session_check_due(*, patient, now_local: dt.datetime) -> tuple[TreatmentSession, str] | None:
    """A session whose after-session check is open now (the evening of it, from 17:00, or the
    day after) and not yet done for this moment. One query."""
    today = now_local.date()
    rows = list(
        TreatmentSession.objects.for_patient(patient)
        .filter(day__range=(today - dt.timedelta(days=1), today), started_at__lte=now_local)
        .annotate(
            evening_done=Exists(
                SessionCheck.objects.filter(session=OuterRef("pk"), moment="evening")
            ),
            next_day_done=Exists(
                SessionCheck.objects.filter(session=OuterRef("pk"), moment="next_day")
            ),
        )
        .order_by("-started_at")
    )
    for session in rows:
        moment = moment_for(session.day, now_local)
        done = session.evening_done if moment == "evening" else session.next_day_done
        if moment is not None and not done:
            return session, moment
    return None
