"""Writes to a person's own account that have side effects beyond the row."""

import logging

from django.db import transaction

from config import private_cache

from .events import time_zone_changed
from .models import User
from .schedule import reminder_schedule_refresh
from .sessions import sessions_end

logger = logging.getLogger(__name__)


@transaction.atomic
def profile_update(*, user: User, changes: dict) -> User:
    """Save validated profile and notification choices and move the reminder schedule to
    match them (a new time zone or reminder time changes when the next email is due). A new
    time zone is announced (`accounts.events.time_zone_changed`) in the same transaction: the
    care-team app moves the end of each share with a last day to that day's midnight where the
    person now lives."""
    moved = "time_zone" in changes and changes["time_zone"] != user.time_zone
    for name, value in changes.items():
        setattr(user, name, value)
    user.save(update_fields=list(changes))
    reminder_schedule_refresh(user=user)
    if moved:
        time_zone_changed.send(sender=User, user=user)
    return user


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete a person's account and everything in it, for good: check-ins and their tags,
    sessions, questionnaires, safety plan, weekly summaries, signals, shares (so no care team
    sees anything more), their own tags, email addresses, two-factor keys and the email log,
    and whatever the cache holds for them (config/private_cache.py).
    Looks at their data by others (the access log) go too; the database cascades those (see
    careteam.models.AccessEvent). Their sessions end on every device (accounts/sessions.py).
    One transaction: all of it goes, or none of it.

    A weekly-summary task writing for this person at the same moment makes one of the two
    fail on the foreign key, never leaves their figures behind: the caller says "try again".
    """
    user_id = user.pk
    sessions_end(user_id=user_id)
    user.delete()
    # Their charts cached for the trends page (sealed, but theirs): gone with the account.
    transaction.on_commit(lambda: private_cache.purge(user_id))
    logger.info("account %s deleted by its owner", user_id)  # the id only
