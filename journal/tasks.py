"""Celery entry points for trends: ids and ISO dates in, one service call, nothing else.

Both are idempotent (the services upsert and only rewrite rows whose values changed), so a
redelivered or duplicated task has the effect of running once.
"""

import datetime as dt

from celery import shared_task

from . import trends


@shared_task
def weekly_summary_refresh(patient_id: int, day: str, onward: bool = False) -> None:
    """After a save: recompute the patient's week holding `day` (ISO date), and with `onward`
    every later week too (a questionnaire or session changes what later weeks carry), then
    re-evaluate their early-warning signals. Enqueue with
    `enqueue_on_commit(weekly_summary_refresh, patient_id=..., day=day.isoformat())`."""
    trends.patient_trends_refresh(
        patient_id=patient_id, day=dt.date.fromisoformat(day), onward=onward
    )


@shared_task
def weekly_summaries_refresh_finished_week() -> int:
    """Beat, weekly: recompute every patient's just-finished week, set-based, in batches."""
    return trends.weekly_summaries_refresh_finished_week()
