"""Deploy checks of our own (`manage.py check --deploy`; `make check-deploy`)."""

from base64 import urlsafe_b64decode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
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


@register()
def vapid_key_pair(app_configs, **kwargs):
    """Web Push needs both halves of the key pair, and the halves must belong together, or
    every notification would be refused by the push services."""
    public, private = settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY
    if not public and not private:
        return []
    problem = ""
    if not (public and private):
        problem = "only one of VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY is set"
    else:
        try:
            key = ec.derive_private_key(
                int.from_bytes(urlsafe_b64decode(private + "=" * (-len(private) % 4)), "big"),
                ec.SECP256R1(),
            )
            derived = key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
            given = urlsafe_b64decode(public + "=" * (-len(public) % 4))
        except ValueError:
            problem = "VAPID_PRIVATE_KEY or VAPID_PUBLIC_KEY is not a base64url P-256 key"
        else:
            if derived != given:
                problem = "VAPID_PUBLIC_KEY is not the public half of VAPID_PRIVATE_KEY"
    if not problem:
        return []
    return [
        Error(
            f"Web Push: {problem}.",
            hint="Run `manage.py make_vapid_keys` and set both values it prints.",
            id="tideline.E003",
        )
    ]
