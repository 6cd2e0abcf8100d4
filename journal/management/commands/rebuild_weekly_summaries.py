from django.core.management.base import BaseCommand

from journal.weekly import weekly_summaries_rebuild


class Command(BaseCommand):
    help = (
        "Recompute every weekly summary from the check-ins, in batches of patients. Safe to run "
        "at any time, and again: rows whose values did not change are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--patient", type=int, action="append", help="Only this patient id (repeatable)."
        )

    def handle(self, *args, patient=None, **options):
        written = weekly_summaries_rebuild(patient_ids=patient)
        self.stdout.write(self.style.SUCCESS(f"Weekly summaries rebuilt: {written} rows written."))
