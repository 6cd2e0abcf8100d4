"""Demo accounts for a newcomer's first look. Only ever created on a DEBUG run."""

from allauth.account.models import EmailAddress
from django.db import transaction

from .models import User
from .schedule import reminder_schedule_refresh

DEMO_PASSWORD = "tideline-demo-2026"  # noqa: S105 - printed on start, refused unless DEBUG
DEMO_PATIENT_EMAIL = "patient@demo.tideline.test"
DEMO_CLINICIAN_EMAIL = "clinician@demo.tideline.test"


@transaction.atomic
def demo_user_ensure(*, email: str, role: str, display_name: str, time_zone: str) -> User:
    """Create the demo account if missing, verified and with the demo password; idempotent."""
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"role": role, "display_name": display_name, "time_zone": time_zone},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    reminder_schedule_refresh(user=user)
    return user
