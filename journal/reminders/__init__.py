"""Reminders: what each patient is due at their reminder moment, and sending each one once.

When a person may be contacted is theirs to choose and lives with their account
(`accounts.schedule`: `User.next_reminder_at`, their reminder time or Monday 08:00 for the weekly
email). This package decides what is due at such a moment from the journal it reads, and sends
it through the bottom layer's plumbing (`accounts.delivery`, `accounts.unsubscribe`):

- `dispatch`: the beat job. It selects `next_reminder_at <= now` in batches with
  `SELECT ... FOR UPDATE SKIP LOCKED`, moves each row on to its next moment in the same
  transaction, and publishes one send task per batch: one indexed query a batch, never a loop
  over all patients, and two beats running at once split the work instead of doubling it.
- `due`: for a batch, set-based, what each patient is due (not checked in yet, questionnaire due,
  a session in the last three days, a weekly summary ready), in a fixed number of queries.
- `send`: re-reads each patient (still active, switch still on) and sends each email through one
  SMTP connection with `accounts.delivery.deliver_once`, whose log makes every (patient, kind,
  period) go out once.

What is sent, and its period (the occasion it is sent once for):
- check-in reminder: at the reminder time, if there is no check-in for that local day; period =
  the local date.
- questionnaire due: at the reminder time, when the last PHQ-9 or GAD-7 is
  QUESTIONNAIRE_DUE_DAYS or more days before the local day (or as often as a care team asked,
  `careteam/rhythms.py`; the home page's rule, `questionnaires.due_again`), or there is none;
  period = the due cycles, e.g. "phq9:2026-11-01,gad7:never" (a cycle ends when a new response
  is saved). Also the PHQ-9 before a session booked within the 48 hours after the moment, when
  none was filled in since 48 hours before it: cycle "phq9:before:<session id>". Each cycle is
  mailed once; two due together share one email.
- integration reminder (opt-in): at the reminder time on the days with an integration prompt
  (1, 3, 7 and 30 days after a treatment session: journal.models.INTEGRATION_DAYS), unless that
  day's check-in already answered it; period = the local date.
- weekly email: from Monday 08:00 local, once the weekly job has written the WeeklySummary of the
  week that just ended; period = that week's Monday.
"""
