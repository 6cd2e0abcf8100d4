from django.db import migrations

BUILTIN_ACTIVITIES = [
    "Movement",
    "Mindfulness or meditation",
    "Therapy",
    "Integration coaching",
    "Journaling",
    "Time outdoors",
    "Time with people",
    "Creative work",
    "Rest",
    "Work or study",
    "Alcohol",
    "Poor-sleep night",
]


def add_builtins(apps, schema_editor):
    Activity = apps.get_model("journal", "Activity")
    for position, name in enumerate(BUILTIN_ACTIVITIES):
        Activity.objects.get_or_create(owner=None, name=name, defaults={"position": position})


def remove_builtins(apps, schema_editor):
    Activity = apps.get_model("journal", "Activity")
    Activity.objects.filter(owner=None, name__in=BUILTIN_ACTIVITIES).delete()


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]
    operations = [migrations.RunPython(add_builtins, remove_builtins)]
