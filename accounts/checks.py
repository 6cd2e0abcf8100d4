"""Deploy checks of our own (`manage.py check --deploy`; `make check-deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def two_factor_required_in_production(app_configs, **kwargs):
    """Production must ask care-team members and staff for a second factor (accounts/
    two_factor.py). Only the DEBUG demo may do without, and it never runs --deploy checks."""
    if settings.REQUIRE_TWO_FACTOR:
        return []
    return [
        Error(
            "REQUIRE_TWO_FACTOR is off: care-team members and staff could see patients' data "
            "with a password alone.",
            hint="Leave REQUIRE_TWO_FACTOR unset (it is on whenever DEBUG is off) or set it "
            "to true.",
            id="tideline.E001",
        )
    ]
