"""Warning signs get a life cycle and store facts instead of one sentence for two readers.

Adds to Signal: `details` (the facts `journal.warning_words` writes each reader's words from),
`reports` and `last_reported_at` (a repeated report updates the open card), `resolution` (why
a card rests); and SignalReport (one row per report behind an urgent card, unique per patient,
kind and key, so a re-saved day adds nothing).

Existing rows: the facts are read back from the old sentence where it holds them (PHQ-9
totals, the slide's count of low days); an urgent card's one report is its own key and day.
Cards of one kind that were open side by side (one per "yes" day, before) are merged into the
newest: it takes their report days, the others rest as "merged", and every report points at
the card that now holds it. Migration 0011 then drops the old sentence and adds the rule that
only one card per kind is open. Backwards (with 0011 undone first) the sentence comes back as
the patient's words.
"""

import re

from django.db import migrations, models

URGENT = ("urgent_item9", "urgent_checkin")


def _details(signal) -> dict:
    reason = signal.reason or ""
    if signal.kind in URGENT:
        return {"days": [signal.started_on.isoformat()]}
    if signal.kind == "phq9_rise":
        found = re.search(r"\((\d+) to (\d+)\)", reason)
        return {"previous": int(found[1]), "total": int(found[2])} if found else {}
    if signal.kind == "phq9_high":
        found = re.search(r"PHQ-9 is (\d+)", reason)
        return {"total": int(found[1])} if found else {}
    if signal.kind == "sustained_slide":
        found = re.search(r"for (\d+) of the last", reason)
        return {"low_days": int(found[1])} if found else {}
    return {}


def forward(apps, schema_editor):
    Signal = apps.get_model("journal", "Signal")
    SignalReport = apps.get_model("journal", "SignalReport")
    survivors: dict[tuple[int, str], object] = {}
    signals = list(Signal.objects.order_by("patient_id", "kind", "-detected_at", "-id"))
    for signal in signals:
        signal.details = _details(signal)
        signal.last_reported_at = signal.detected_at
        signal.reports = 1
        if signal.resolved_at is not None:
            signal.resolution = "cleared"
        elif (signal.patient_id, signal.kind) in survivors:
            signal.resolved_at = signal.detected_at
            signal.resolution = "merged"
        else:
            survivors[(signal.patient_id, signal.kind)] = signal
    holder = {}
    for signal in signals:
        survivor = survivors.get((signal.patient_id, signal.kind))
        holder[signal.pk] = survivor if signal.resolution == "merged" else signal
        if signal.resolution == "merged" and signal.kind in URGENT:
            days = {*survivor.details.get("days", []), *signal.details.get("days", [])}
            survivor.details = {**survivor.details, "days": sorted(days)}
            survivor.reports += 1
    Signal.objects.bulk_update(
        signals, ["details", "last_reported_at", "reports", "resolved_at", "resolution"]
    )
    SignalReport.objects.bulk_create(
        [
            SignalReport(
                signal_id=holder[s.pk].pk,
                patient_id=s.patient_id,
                kind=s.kind,
                key=s.dedupe_key,
                day=s.started_on,
                at=s.detected_at,
            )
            for s in signals
            if s.kind in URGENT
        ]
    )


def backward(apps, schema_editor):
    Signal = apps.get_model("journal", "Signal")
    # The old code knew no merging: the merged cards open again, as they were.
    Signal.objects.filter(resolution="merged").update(resolved_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0011_appointment_reports"),
        ("accounts", "0007_user_public_id_unique"),
    ]

    operations = [
        migrations.AddField(
            model_name="signal",
            name="details",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="signal",
            name="reports",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="signal",
            name="last_reported_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="signal",
            name="resolution",
            field=models.CharField(
                blank=True,
                choices=[
                    ("cleared", "The rule no longer holds"),
                    ("calm", "Calm days since the last report"),
                    ("safe_now", "The patient said they are safe now"),
                    ("merged", "Merged into the current card"),
                ],
                max_length=12,
            ),
        ),
        migrations.CreateModel(
            name="SignalReport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("urgent_item9", "PHQ-9 item 9 answered above zero"),
                            ("urgent_checkin", "Thoughts of self-harm reported in a check-in"),
                            ("sustained_slide", "A sustained slide across several areas"),
                            ("phq9_rise", "PHQ-9 up 5 or more points"),
                            ("phq9_high", "PHQ-9 of 15 or more"),
                        ],
                        max_length=24,
                    ),
                ),
                ("key", models.CharField(max_length=64)),
                (
                    "day",
                    models.DateField(help_text="The patient's local date of the report."),
                ),
                ("at", models.DateTimeField()),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.user",
                    ),
                ),
                (
                    "signal",
                    models.ForeignKey(
                        on_delete=models.deletion.CASCADE,
                        related_name="report_rows",
                        to="journal.signal",
                    ),
                ),
            ],
            options={
                "ordering": ["at"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("patient", "kind", "key"), name="signal_report_once"
                    )
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
