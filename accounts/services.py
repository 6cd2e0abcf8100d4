"""Writes to a person's own account that have side effects beyond the row."""

from django.db import transaction

from .models import User
from .reminders import reminder_schedule_refresh


@transaction.atomic
def profile_update(*, user: User, changes: dict) -> User:
    """Save validated profile and notification choices and move the reminder schedule to
    match them (a new time zone or reminder time changes when the next email is due). A new
    time zone also moves the end of each share with a last day to that day's midnight where
    the person now lives."""
    from careteam.services import share_ends_follow_time_zone  # careteam builds on accounts

    moved = "time_zone" in changes and changes["time_zone"] != user.time_zone
    for name, value in changes.items():
        setattr(user, name, value)
    user.save(update_fields=list(changes))
    reminder_schedule_refresh(user=user)
    if moved:
        share_ends_follow_time_zone(patient=user)
    return user
