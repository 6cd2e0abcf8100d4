import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Each week's activity rows become its summary's `activities`: {activity id: [days, mood sum]}.
BACKFILL = {
    "postgresql": """
UPDATE journal_weeklysummary AS w SET activities = a.activities
FROM (SELECT patient_id, week_start,
             jsonb_object_agg(activity_id::text, jsonb_build_array(days, mood_sum)) AS activities
      FROM journal_weeklyactivity GROUP BY patient_id, week_start) a
WHERE a.patient_id = w.patient_id AND a.week_start = w.week_start
""",
    "sqlite": """
UPDATE journal_weeklysummary SET activities = COALESCE(
  (SELECT json_group_object(a.activity_id, json_array(a.days, a.mood_sum))
   FROM journal_weeklyactivity a
   WHERE a.patient_id = journal_weeklysummary.patient_id
     AND a.week_start = journal_weeklysummary.week_start),
  '{}')
""",
}


def fill_activities(connection):
    with connection.cursor() as cursor:
        cursor.execute(BACKFILL[connection.vendor])


def backfill_activities(apps, schema_editor):
    fill_activities(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0005_weekly_job_carry_forward"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="weeklysummary",
            name="activities",
            field=models.JSONField(default=dict),
        ),
        # Derived data: going back leaves the activity table empty until
        # `manage.py rebuild_weekly_summaries` fills it again.
        migrations.RunPython(backfill_activities, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(
            name="WeeklyActivity",
        ),
        # The unique (patient, week_start) index already serves lookups by patient.
        migrations.AlterField(
            model_name="weeklysummary",
            name="patient",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="weekly_summaries",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
