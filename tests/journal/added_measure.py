"""Run in a fresh process by test_measures.py, with TIDELINE_TEST_EXTRA_MEASURE=<name>: the
registry (journal/measures.py) then holds one more 0-10 measure, and this script reports, as
JSON on stdout, what the rest of Tideline made of it. Nothing here names the measure's field
except through the registry: that is the point.

Usage: python -m tests.journal.added_measure <scratch sqlite path>
"""

import io
import json
import os
import sys


class NoMigrations(dict):
    """MIGRATION_MODULES that turns every app's migrations off, so `migrate --run-syncdb`
    builds the tables straight from the models (the new column included)."""

    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


def main(database: str) -> dict:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.pop("REDIS_URL", None)
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from careteam.access import grant_for
    from journal import early_warning, measures
    from journal.access import EVERYTHING
    from journal.export import export_checkins_csv
    from journal.models import CheckIn, WeeklySummary
    from journal.weekly import weekly_summary_refresh
    from tests.factories import UserFactory
    from tests.journal.conftest import checkin_post

    name = os.environ["TIDELINE_TEST_EXTRA_MEASURE"]
    measure = measures.BY_NAME[name]
    report: dict = {"in_registry": measure.name == name}

    # 1. The migration makemigrations would write, against the real migration history.
    out = io.StringIO()
    call_command("makemigrations", "journal", dry_run=True, verbosity=3, stdout=out)
    report["migration"] = out.getvalue()

    # 2. A database with the new column, then a patient who uses it.
    settings.MIGRATION_MODULES = NoMigrations()
    call_command("migrate", run_syncdb=True, verbosity=0)
    patient = UserFactory.create()
    client = Client()
    client.force_login(patient)
    form_html = client.get("/checkin/").content.decode()
    report["form_has_field"] = f'name="{name}"' in form_html
    report["form_has_label"] = measure.label in form_html
    post = checkin_post(mood="6")
    post[name] = "7"  # answered: its "not answered" box is left out, as the page does
    post.pop(f"{name}_skip")
    response = client.post("/checkin/", post)
    report["post_status"] = response.status_code
    saved = CheckIn.objects.get(patient=patient)
    report["saved_value"] = getattr(saved, name)

    # 3. What reads the registry.
    grant = grant_for(patient, patient.public_id, need=EVERYTHING, what="own")
    header = export_checkins_csv(grant).splitlines()[0].split(",")
    report["export_has_column"] = name in header
    report["warning_area"] = any(area.field == name for area in early_warning.AREAS)
    report["constraint"] = any(c.name == f"checkin_{name}_0_10" for c in CheckIn._meta.constraints)
    weekly_summary_refresh(patient_id=patient.pk, day=saved.day)
    summary = WeeklySummary.objects.get(patient=patient)
    report["weekly_mean"] = getattr(summary, f"{name}_mean")
    page = client.get("/trends/?range=30d").content.decode()
    report["charted"] = f'"name":"{measure.label}"' in page.replace(" ", "")
    return report


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1]), default=str))
