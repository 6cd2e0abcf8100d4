"""Two-factor authentication, required of everyone who can see many patients' data.

Care-team members and staff (admins) read the journals of everyone who shares with their teams,
or every account: a stolen password alone must not be enough. Until such an account has an
authenticator (an authenticator app or a passkey / security key; recovery codes only back one
up) it can reach only the enrolment pages, sign-out, the help page and static files
(`accounts.middleware.RequireTwoFactorMiddleware`). Once it has one, allauth asks for it at
every sign-in. Patients choose for themselves.

`REQUIRE_TWO_FACTOR` turns this on; it is on whenever DEBUG is off, and `check --deploy`
fails if production turns it off (accounts/checks.py). The DEBUG demo may leave it off.
"""

from allauth.mfa.models import Authenticator
from django.conf import settings

# Authenticators that are a second factor in their own right.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)

# Pages an account that must enrol can still open (URL names). allauth's own MFA pages
# (`mfa_*`) are open too, as is the password check they ask for before any change.
OPEN_URL_NAMES = frozenset(
    {
        "two_factor_required",
        "account_logout",
        "account_reauthenticate",
        "need_help_now",
        "healthz",
        # The installable app's shell: public, nothing about anyone (journal/shell.py).
        "app_manifest",
        "service_worker",
        "offline",
    }
)


def must_have_two_factor(user) -> bool:
    """Whether `user`'s role alone means they need a second factor (no query)."""
    return bool(
        settings.REQUIRE_TWO_FACTOR
        and user.is_authenticated
        and (user.is_care_member or user.is_staff or user.is_superuser)
    )


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


def is_open_without_two_factor(url_name: str | None) -> bool:
    if not url_name:
        return False
    return url_name in OPEN_URL_NAMES or url_name.startswith("mfa_")


def needs_enrolment(user) -> bool:
    """Whether `user` must set up a second factor before anything else (one query, and only
    for care-team and staff accounts)."""
    return must_have_two_factor(user) and not has_second_factor(user)
