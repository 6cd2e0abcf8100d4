"""A random public id for every account (step 1 of 3: the column, empty).

Three migrations, as Django's docs advise for a unique field on a table with rows: filling the
rows and adding the unique constraint in one PostgreSQL transaction fails with "pending trigger
events" (the deferred foreign keys that point at accounts_user).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_remove_delivery_kind_period_index")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
    ]
