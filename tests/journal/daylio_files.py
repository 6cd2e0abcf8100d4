"""Daylio exports as the app writes them, for tests and the benchmark."""

import datetime as dt
import random

CURRENT = "full_date,date,weekday,time,mood,activities,note_title,note"
OLDER = "full_date,date,weekday,time,mood,activities,note"
NEWER = "full_date,date,weekday,time,mood,activities,note_title,note,scales"
FORM_2018 = "year,date,weekday,time,mood,activities,note"
MOODS = ["rad", "good", "meh", "bad", "awful"]
ACTIVITIES = ["work", "family", "friends", "walk", "reading", "gaming", "cooking", "sleep early"]


def quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def row(day: dt.date, time: str, mood: str, activities=(), note="", title="") -> str:
    """One line of the current form."""
    return ",".join(
        [
            day.isoformat(),
            quoted(f"{day:%B} {day.day}"),
            day.strftime("%A"),
            time,
            mood,
            quoted(" | ".join(activities)),
            quoted(title),
            quoted(note),
        ]
    )


def export(*rows: str, header: str = CURRENT, bom: bool = True, crlf: bool = True) -> bytes:
    """A file: newest entries first, as Daylio writes them."""
    end = "\r\n" if crlf else "\n"
    text = end.join([header, *rows]) + end
    return (("\ufeff" if bom else "") + text).encode()


def ten_years(end: dt.date, *, rows: int = 6000, seed: int = 18) -> bytes:
    """About ten years of entries ending at `end`: `rows` entries over 3,650 days, some days
    with two or three entries, newest first; notes on some, HTML in a few."""
    rng = random.Random(seed)
    days = 3650
    per_day = [1] * days
    for _ in range(rows - days):
        per_day[rng.randrange(days)] += 1
    lines = []
    for i in range(days):
        day = end - dt.timedelta(days=i)
        for n in range(per_day[i]):
            hour = 20 - 4 * n
            half = "PM" if hour >= 12 else "AM"
            time = f"{(hour - 1) % 12 + 1}:{rng.choice(['00', '15', '30'])} {half}"
            note = rng.choice(
                ["", "", "", "Slept badly.<br>Better by noon.", "A good talk with Sam"]
            )
            acts = rng.sample(ACTIVITIES, rng.randint(0, 3))
            lines.append(row(day, time, rng.choice(MOODS), acts, note))
    return export(*lines)
