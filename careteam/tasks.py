"""Celery entry points for care teams: ids in, one service call, idempotent."""

from celery import shared_task

from . import alerts


@shared_task(
    autoretry_for=(OSError,),  # SMTP down or refusing: smtplib errors are OSErrors
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=8,
)
def alert_care_teams_about_signal(signal_id: int) -> int:
    """Email every member of every team the signal's patient shares with, once per member.

    Safe to run twice or at once: the delivery log decides who sends.
    """
    return alerts.care_alert_send(signal_id=signal_id)


@shared_task
def alert_new_signals() -> int:
    """Beat, every minute: enqueue the alert for any recent signal someone was not told about,
    so an enqueue lost to a broker outage is caught up within a minute."""
    signal_ids = list(alerts.signals_missing_alerts())
    for signal_id in signal_ids:
        alert_care_teams_about_signal.delay(signal_id=signal_id)
    return len(signal_ids)
