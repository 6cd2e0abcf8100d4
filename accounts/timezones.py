"""The one place that turns a person's IANA time zone into "today" and local times."""

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from django.utils import timezone


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones() - {"localtime", "Factory"}))


def is_valid_timezone(name: str) -> bool:
    return name in frozenset(timezone_names())


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name if is_valid_timezone(name) else "UTC")


def local_today(time_zone: str, *, now: dt.datetime | None = None) -> dt.date:
    """The calendar date it is now for someone living in `time_zone`."""
    return (now or timezone.now()).astimezone(zone(time_zone)).date()
