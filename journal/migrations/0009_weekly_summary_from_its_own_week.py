"""Weekly summaries keep only what pages read: the five questionnaire columns go.

`phq9_total`, `gad7_total`, `phq9_baseline`, `phq9_response` and `phq9_remission` were read by
no page, email, export or task (the trends page and the care-team dashboard read the scores from
QuestionnaireResponse); they existed for the weekly job to carry from week to week. Without them
a week's row depends only on that week's check-ins and tags. The index on
QuestionnaireResponse.day served only that carry, so it goes too.

Forwards drops the columns (their values are derived, nothing is lost). Backwards puts the
columns back and **recomputes** them in SQL from the questionnaires and sessions, with the rules
the weekly job used, so that the code of before finds correct rows and carries them on at once,
with no rebuild needed:

- totals: the latest PHQ-9 / GAD-7 dated on or before the week's Sunday (the higher total
  if two share the latest day, as the rebuild's running maximum did);
- baseline: the first PHQ-9 on or after the first treatment session, if that session is on or
  before the week's end, otherwise the first PHQ-9; in either case dated by the week's end;
- response: the total at most half the baseline; remission: a total under 5.
"""

from django.db import migrations

TOTALS_AND_BASELINE = """
UPDATE journal_weeklysummary AS w SET
  phq9_total = (
    SELECT q.total FROM journal_questionnaireresponse q
    WHERE q.patient_id = w.patient_id AND q.instrument = 'phq9' AND q.day <= {week_end}
    ORDER BY q.day DESC, q.total DESC LIMIT 1),
  gad7_total = (
    SELECT q.total FROM journal_questionnaireresponse q
    WHERE q.patient_id = w.patient_id AND q.instrument = 'gad7' AND q.day <= {week_end}
    ORDER BY q.day DESC, q.total DESC LIMIT 1),
  phq9_baseline = (
    SELECT q.total FROM journal_questionnaireresponse q
    WHERE q.patient_id = w.patient_id AND q.instrument = 'phq9' AND q.day <= {week_end}
      AND q.day >= COALESCE((SELECT MIN(s.day) FROM journal_treatmentsession s
                             WHERE s.patient_id = w.patient_id AND s.day <= {week_end}),
                            '0001-01-01')
    ORDER BY q.day, q.submitted_at LIMIT 1)
"""
OUTCOMES = """
UPDATE journal_weeklysummary SET
  phq9_response = CASE WHEN phq9_baseline > 0 AND phq9_total IS NOT NULL
                        AND phq9_total * 2 <= phq9_baseline THEN TRUE ELSE FALSE END,
  phq9_remission = CASE WHEN phq9_total IS NOT NULL AND phq9_total < 5 THEN TRUE ELSE FALSE END
"""


def recompute_questionnaire_columns(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        week_end = "(w.week_start + 6)"
    else:
        week_end = "date(w.week_start, '+6 days')"
    with connection.cursor() as cursor:
        cursor.execute(TOTALS_AND_BASELINE.format(week_end=week_end))
        cursor.execute(OUTCOMES)


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0008_activity_updated_at"),
    ]

    operations = [
        # Runs last when going backwards, once the columns are back.
        migrations.RunPython(migrations.RunPython.noop, recompute_questionnaire_columns),
        migrations.RemoveIndex(
            model_name="questionnaireresponse",
            name="questionnaire_day",
        ),
        migrations.RemoveField(
            model_name="weeklysummary",
            name="gad7_total",
        ),
        migrations.RemoveField(
            model_name="weeklysummary",
            name="phq9_baseline",
        ),
        migrations.RemoveField(
            model_name="weeklysummary",
            name="phq9_remission",
        ),
        migrations.RemoveField(
            model_name="weeklysummary",
            name="phq9_response",
        ),
        migrations.RemoveField(
            model_name="weeklysummary",
            name="phq9_total",
        ),
    ]
