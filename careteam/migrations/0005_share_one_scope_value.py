"""A share's scope becomes one value (a set of journal.access.Scope bits) instead of one yes/no
column per part: trends and questionnaires = 1, daily notes and session insights = 2."""

import careteam.models
from django.db import migrations, models

TRENDS, NOTES = 1, 2


def booleans_to_scope(apps, schema_editor):
    Share = apps.get_model("careteam", "Share")
    for share in Share.objects.all().only("id", "scope_trends", "scope_notes"):
        scope = (TRENDS if share.scope_trends else 0) | (NOTES if share.scope_notes else 0)
        Share.objects.filter(pk=share.pk).update(scope=scope or TRENDS)


def scope_to_booleans(apps, schema_editor):
    Share = apps.get_model("careteam", "Share")
    for share in Share.objects.all().only("id", "scope"):
        Share.objects.filter(pk=share.pk).update(
            scope_trends=bool(share.scope & TRENDS), scope_notes=bool(share.scope & NOTES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("careteam", "0004_share_expires_at_patients_midnight"),
    ]

    operations = [
        migrations.AddField(
            model_name="share",
            name="scope",
            field=careteam.models.ScopeField(default=TRENDS),
        ),
        migrations.RunPython(booleans_to_scope, scope_to_booleans, elidable=False),
        migrations.RemoveField(model_name="share", name="scope_notes"),
        migrations.RemoveField(model_name="share", name="scope_trends"),
        migrations.AddConstraint(
            model_name="share",
            constraint=models.CheckConstraint(
                condition=models.Q(("scope__gt", 0)), name="share_scope_not_empty"
            ),
        ),
    ]
