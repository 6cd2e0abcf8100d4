"""Made-up histories for the trends and early-warning tests (factory-built, bulk-inserted)."""

import datetime as dt
from decimal import Decimal

from tests.factories import daily_history

TODAY = dt.date(2026, 3, 29)  # a Sunday


def steady_then_slide(patient, *, days=120, slide_days=21, end=TODAY):
    """`days` of an ordinary life (mood 7, energy 6, sleep 7.5 h, interest 6), the last
    `slide_days` of which slide: mood 3, energy 3, sleep 5 h, interest 3."""
    first_slide = days - slide_days

    def pick(ordinary, low):
        return lambda i: low if i >= first_slide else ordinary

    return daily_history(
        patient,
        days=days,
        end=end,
        mood=pick(7, 3),
        energy=pick(6, 3),
        interest=pick(6, 3),
        sleep_hours=pick(Decimal("7.5"), Decimal("5.0")),
        appetite="usual",
    )
