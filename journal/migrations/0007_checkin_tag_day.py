import django.db.models.deletion
from django.db import migrations, models

# The check-in's tags get a model of their own (same table, same columns, same constraints as
# the plain many-to-many made), then the check-in's day on each row, filled from the check-in.
BACKFILL = """
UPDATE journal_checkin_activities SET day = (
  SELECT c.day FROM journal_checkin c WHERE c.id = journal_checkin_activities.checkin_id)
"""


class Migration(migrations.Migration):
    dependencies = [("journal", "0006_weekly_activity_in_summary")]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The table exists already: only Django's picture of it changes.
            state_operations=[
                migrations.CreateModel(
                    name="CheckInActivity",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "activity",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                to="journal.activity",
                            ),
                        ),
                        (
                            "checkin",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                to="journal.checkin",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "journal_checkin_activities",
                        "unique_together": {("checkin", "activity")},
                    },
                ),
                migrations.AlterField(
                    model_name="checkin",
                    name="activities",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="checkins",
                        through="journal.CheckInActivity",
                        to="journal.activity",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="checkinactivity",
            name="day",
            field=models.DateField(null=True),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="checkinactivity",
            name="day",
            field=models.DateField(),
        ),
        migrations.AddIndex(
            model_name="checkinactivity",
            index=models.Index(
                fields=["day"], include=("checkin", "activity"), name="checkin_tag_day"
            ),
        ),
    ]
