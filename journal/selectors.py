"""Reads used by the journal pages. Each is a fixed number of queries, whatever the history."""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import F, Max, Q

from .models import Activity, CheckIn, QuestionnaireResponse
from .questionnaires import SPECS, Spec

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

    @property
    def instrument(self) -> str:
        return self.spec.instrument


def questionnaires_due(*, patient, today: dt.date) -> list[DueStatus]:
    """For each instrument: when it was last filled and whether it is due again (never filled,
    or `QUESTIONNAIRE_DUE_DAYS` or more days ago). One grouped query."""
    last = dict(
        QuestionnaireResponse.objects.for_patient(patient)
        .values("instrument")
        .annotate(last=Max("day"))
        .values_list("instrument", "last")
    )
    every = dt.timedelta(days=settings.QUESTIONNAIRE_DUE_DAYS)
    return [
        DueStatus(
            spec=spec,
            last_day=last.get(key),
            due=last.get(key) is None or today - last[key] >= every,
        )
        for key, spec in SPECS.items()
    ]


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
