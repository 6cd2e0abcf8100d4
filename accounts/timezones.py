"""The one place that turns a person's IANA time zone into "today" and local times."""

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from django.utils import timezone


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones() - {"localtime", "Factory"}))


@lru_cache(maxsize=1)
def _timezone_set() -> frozenset[str]:
    return frozenset(timezone_names())


def is_valid_timezone(name: str) -> bool:
    # The set is built once: "today" is asked of every row of a care team's dashboard.
    return name in _timezone_set()


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name if is_valid_timezone(name) else "UTC")


def local_today(time_zone: str, *, now: dt.datetime | None = None) -> dt.date:
    """The calendar date it is now for someone living in `time_zone`."""
    return (now or timezone.now()).astimezone(zone(time_zone)).date()


def local_instant(day: dt.date, at: dt.time, tz) -> dt.datetime:
    """`at` o'clock on `day` in time zone `tz`, as a UTC instant.

    Daylight saving: a time the clocks skip (02:30 on a spring-forward night) resolves, with
    fold=0, to the instant just after the gap (03:30 new time); a time that happens twice (01:30
    on a fall-back night) is its first occurrence. Either way a reminder comes once that day.
    """
    return dt.datetime.combine(day, at, tzinfo=tz).astimezone(dt.UTC)


def end_of_local_day(day: dt.date, time_zone: str) -> dt.datetime:
    """The UTC instant `day` ends for someone living in `time_zone`: their next midnight."""
    return local_instant(day + dt.timedelta(days=1), dt.time(), zone(time_zone))
