from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import (
    DEMO_CLINICIAN_EMAIL,
    DEMO_PASSWORD,
    DEMO_PATIENT_EMAIL,
    demo_user_ensure,
)
from accounts.models import User
from careteam.demo import seed_care_team
from journal.demo import demo_trends_refresh, seed_journal_history


class Command(BaseCommand):
    # Here, in the top app, because it fills every app: accounts, journal and care team.
    help = "Create the demo patient and clinician (idempotent). Refused unless DEBUG is on."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DEBUG=true: demo accounts have a public password."
            )
        patient = demo_user_ensure(
            email=DEMO_PATIENT_EMAIL,
            role=User.Role.PATIENT,
            display_name="Sam",
            time_zone="America/New_York",
        )
        clinician = demo_user_ensure(
            email=DEMO_CLINICIAN_EMAIL,
            role=User.Role.CARE,
            display_name="Dr. Rivera",
            time_zone="America/New_York",
        )
        seed_journal_history(patient)
        demo_trends_refresh(patient_id=patient.pk)  # weekly summaries + signals, synchronously
        seed_care_team(patient, clinician)
        self.stdout.write(
            self.style.SUCCESS(
                f"\nDemo accounts (password for both: {DEMO_PASSWORD})\n"
                f"  patient:   {DEMO_PATIENT_EMAIL}\n"
                f"  clinician: {DEMO_CLINICIAN_EMAIL}\n"
            )
        )
