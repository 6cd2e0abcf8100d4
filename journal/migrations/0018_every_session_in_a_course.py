import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("journal", "0017_group_sessions_into_courses")]

    operations = [
        migrations.AlterField(
            model_name="treatmentsession",
            name="course",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="sessions",
                to="journal.course",
            ),
        ),
    ]
