"""Deploy checks of our own (`manage.py check --deploy`; `make check-deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from .ratelimit import parse_rates


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


@register()
def rate_limits_parse(app_configs, **kwargs):
    """A mistyped limit fails at start, naming the variable, not on a clinician's page."""
    try:
        if parse_rates(settings.CARE_PATIENT_PAGES_RATE_LIMIT):
            return []
        problem = "it is empty"
    except ValueError as error:
        problem = str(error)
    return [
        Error(
            f"CARE_PATIENT_PAGES_RATE_LIMIT: {problem}.",
            hint='Write it like "60/m,600/h".',
            id="tideline.E002",
        )
    ]
