"""Step 2 of 3: a fresh random public id for every existing account."""

import uuid

from django.db import migrations


def fill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    batch = []
    for user in User.objects.filter(public_id__isnull=True).only("pk").iterator(chunk_size=1000):
        user.public_id = uuid.uuid4()
        batch.append(user)
        if len(batch) == 1000:
            User.objects.bulk_update(batch, ["public_id"])
            batch = []
    User.objects.bulk_update(batch, ["public_id"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_user_public_id")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
