"""Give every existing account its first `next_reminder_at`, so people who signed up before
reminders existed get them too. Later changes keep it current through
accounts.reminders.reminder_schedule_refresh."""

from django.db import migrations
from django.utils import timezone


def backfill(apps, schema_editor):
    # The schedule rule is a pure function of the row's fields; the historical model has them.
    # (accounts.reminders became accounts.schedule in the layout change; same function.)
    from accounts.schedule import next_occasion

    User = apps.get_model("accounts", "User")
    now = timezone.now()
    users = list(User.objects.filter(is_active=True, role="patient"))
    for user in users:
        user.next_reminder_at = next_occasion(user, after=now)
    User.objects.bulk_update(users, ["next_reminder_at"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_user_next_reminder_at")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
