"""One open warning card per patient and kind, and no more one-sentence-for-two-readers.

After 0010 filled in the facts (`details`) and merged cards open side by side: the old
`reason` goes (the words are written for each reader by `journal.warning_words`), every card
has a `last_reported_at`, and a partial unique constraint keeps one open card per kind.
Backwards, `reason` comes back holding the patient's words for each card.
"""

import datetime as dt

from django.db import migrations, models
from django.db.models import F, Q

from journal import warning_words  # pure words, no models: safe in a migration


def noop(apps, schema_editor):
    pass


def reason_back(apps, schema_editor):
    Signal = apps.get_model("journal", "Signal")
    rows = list(Signal.objects.all())
    for signal in rows:
        today = signal.last_reported_at.date() if signal.last_reported_at else dt.date.today()
        signal.reason = warning_words.for_patient(signal.kind, signal.details, today=today).text
    Signal.objects.bulk_update(rows, ["reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0012_signal_life_cycle"),
    ]

    operations = [
        migrations.RunPython(noop, reason_back),
        # A default first, so that going backwards can add the column to a table with rows.
        migrations.AlterField(
            model_name="signal", name="reason", field=models.TextField(default="")
        ),
        migrations.RemoveField(model_name="signal", name="reason"),
        migrations.AlterField(
            model_name="signal", name="last_reported_at", field=models.DateTimeField()
        ),
        migrations.AddConstraint(
            model_name="signal",
            constraint=models.UniqueConstraint(
                condition=Q(resolved_at__isnull=True),
                fields=("patient", "kind"),
                name="signal_one_open_per_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="signal",
            constraint=models.CheckConstraint(
                condition=Q(last_reported_at__gte=F("detected_at")),
                name="signal_reported_after_detection",
            ),
        ),
    ]
