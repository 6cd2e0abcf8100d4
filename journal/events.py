"""What the journal announces to the app built on it (see accounts/events.py for the rule:
sent explicitly by one service, received by an app above in its `AppConfig.ready()`)."""

from django.dispatch import Signal

# Sent by `journal.signals` when a warning sign is first recorded (an urgent one at the moment a
# check-in or questionnaire is saved; a slide or a PHQ-9 rise when the rule first finds it),
# inside the transaction that records it, with `signal_id`. Receivers: careteam (alert emails
# to the teams the patient shares trends with, sent after commit).
warning_raised = Signal()
