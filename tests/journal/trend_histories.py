"""Made-up histories for the trends and early-warning tests (factory-built, bulk-inserted)."""

import datetime as dt
from decimal import Decimal

from journal.treatment import session_course
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


def rich_history(patient, *, days, end=None, activity_name="Time outdoors", rare_name=None):
    """A long, lived-in history: daily check-ins (mood rises with time outdoors), a treatment
    session every 60 days, PHQ-9 and GAD-7 every 14 days, weekly summaries computed."""
    from journal.models import (
        Activity,
        CheckInActivity,
        QuestionnaireResponse,
        TreatmentSession,
    )
    from journal.weekly import weekly_summaries_rebuild

    end = end or patient.today()
    checkins = daily_history(
        patient,
        days=days,
        end=end,
        mood=lambda i: 7 if i % 3 == 0 else 5,
        energy=lambda i: 4 + i % 4,
        interest=5,
        sleep_hours=lambda i: Decimal("6.5") + i % 3,
        appetite="usual",
    )
    outdoors, _ = Activity.objects.get_or_create(owner=None, name=activity_name)
    links = [
        CheckInActivity(checkin_id=c.pk, activity_id=outdoors.pk, day=c.day)
        for i, c in enumerate(checkins)
        if i % 3 == 0
    ]
    if rare_name:
        rare = Activity.objects.create(owner=patient, name=rare_name)
        links += [
            CheckInActivity(checkin_id=c.pk, activity_id=rare.pk, day=c.day) for c in checkins[-2:]
        ]
    CheckInActivity.objects.bulk_create(links, batch_size=1000)
    start = end - dt.timedelta(days=days - 1)
    for d in range(5, days, 60):
        day = start + dt.timedelta(days=d)
        TreatmentSession.objects.create(
            patient=patient,
            day=day,
            started_at=dt.datetime.combine(day, dt.time(15), tzinfo=dt.UTC),
            kind="iv",
            course=session_course(patient=patient, day=day, route="iv"),
        )
    QuestionnaireResponse.objects.bulk_create(
        QuestionnaireResponse(
            patient=patient,
            instrument=instrument,
            answers=[],
            total=total,
            band="",
            day=start + dt.timedelta(days=d),
            submitted_at=dt.datetime.combine(
                start + dt.timedelta(days=d), dt.time(10), tzinfo=dt.UTC
            ),
        )
        for d in range(0, days, 14)
        for instrument, total in (("phq9", max(2, 19 - d // 14)), ("gad7", max(1, 14 - d // 20)))
    )
    weekly_summaries_rebuild(patient_ids=[patient.pk])
    return checkins
