# The weekly-summary statement looks up, per patient, the first PHQ-9 (after treatment began) and
# the last score before a refreshed range. This index makes each an index probe. Written as SQL
# because the trends branch must not change journal/models.py; the lead may move it into
# QuestionnaireResponse.Meta.indexes (same name) at merge.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("journal", "0002_builtin_activities")]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX IF NOT EXISTS questionnaire_patient_instr_day "
                "ON journal_questionnaireresponse (patient_id, instrument, day)"
            ),
            reverse_sql="DROP INDEX IF EXISTS questionnaire_patient_instr_day",
        )
    ]
