"""The after-session self-check: how a session felt and the after-effects that are common
after ketamine or esketamine, each rated none / mild / moderate / severe, with an optional
blood-pressure reading. Our own wording (not a published instrument's items). Pure: no
database.

A severe answer shows the patient their clinic's contact and the help page at once: after a
session, a severe effect (a racing heart, not feeling real) is something to tell the clinic
about now, not in a week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# (key, words). Keys are stored; words can be improved without touching a row.
EFFECTS: tuple[tuple[str, str], ...] = (
    ("nausea", "Feeling sick"),
    ("dizziness", "Dizzy or unsteady"),
    ("headache", "Headache"),
    ("unreal", "Feeling unreal, or detached from yourself"),
    ("vision", "Blurred or double vision"),
    ("anxiety", "Anxious or uneasy"),
    ("sleepiness", "Sleepy or drained"),
    ("heart", "A racing heart or raised blood pressure you noticed"),
)
EFFECT_KEYS = tuple(key for key, _ in EFFECTS)
LEVELS: tuple[tuple[int, str], ...] = ((0, "None"), (1, "Mild"), (2, "Moderate"), (3, "Severe"))
SEVERE = 3

# When the check is offered: from 17:00 on the session's day (the evening of) to the end of the
# day after, in the patient's own time.
EVENING_FROM = dt.time(17, 0)


class Moment:
    EVENING = "evening"
    NEXT_DAY = "next_day"
    CHOICES = ((EVENING, "The evening of the session"), (NEXT_DAY, "The day after"))


def moment_for(session_day: dt.date, now_local: dt.datetime) -> str | None:
    """Which check is open now for a session on `session_day`: the evening one from 17:00 that
    day, the next-day one all the next day; None before or after."""
    today = now_local.date()
    if today == session_day and now_local.time() >= EVENING_FROM:
        return Moment.EVENING
    if today == session_day + dt.timedelta(days=1):
        return Moment.NEXT_DAY
    return None


@dataclass(frozen=True)
class Effects:
    """Ratings by key, 0-3 each."""

    ratings: dict[str, int]

    def severe(self) -> list[str]:
        """The words of each effect rated severe, in the list's order."""
        return [words for key, words in EFFECTS if self.ratings.get(key, 0) >= SEVERE]

    def noticed(self) -> list[tuple[str, str]]:
        """(words, level words) of each effect rated above none."""
        names = dict(LEVELS)
        return [
            (words, names[self.ratings[key]])
            for key, words in EFFECTS
            if self.ratings.get(key, 0) > 0
        ]


def valid_ratings(ratings: dict) -> bool:
    return set(ratings) <= set(EFFECT_KEYS) and all(
        type(v) is int and 0 <= v <= SEVERE for v in ratings.values()
    )
