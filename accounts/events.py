"""What the accounts layer announces to the apps built on it.

Accounts sit at the bottom: they import no other app. When a change here matters to an app
above (a patient's time zone moves the end of each share they chose by date), accounts send an
event, explicitly, from the one service that makes the change, and the app above connects a
receiver in its `AppConfig.ready()`. These are not model signals: nothing fires from `save()`,
fixtures or bulk updates, only from the service named in each event's comment.
"""

from django.dispatch import Signal

# Sent by `accounts.services.profile_update` inside its transaction, after the new time zone
# is saved, with `user` (the User). Receivers: careteam (share ends follow the new zone).
time_zone_changed = Signal()
