import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit  # the helper allauth's own adapter limits with
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from .trusted import signed_in

logger = logging.getLogger(__name__)

APP = "allauth.account"
# Failed sign-ins per account alone (config/settings.py ACCOUNT_RATE_LIMITS): a slow limit that
# one address can never reach by itself, for guessing spread over many addresses.
LOGIN_FAILED_PER_ACCOUNT = "login_failed_account"


class AccountAdapter(DefaultAccountAdapter):
    """Everyone who signs up is a patient (the model default). A care-team member invitation
    turns the new account into a care-team one: the care-team app does that on allauth's
    `user_signed_up` signal (careteam/wiring.py), so this bottom layer knows nothing of teams."""

    def is_open_for_signup(self, request) -> bool:
        return True

    def login(self, request, user) -> None:
        # Every completed sign-in comes through here (password, passkey, after a second
        # factor): stamp it for the session lifetimes, and trust the device if asked.
        super().login(request, user)
        signed_in(request, user)

    def get_login_redirect_url(self, request) -> str:
        # Staff work in the admin; as care-team accounts they would land on an empty dashboard.
        if request.user.is_staff:
            return reverse("admin:index")
        return super().get_login_redirect_url(request)

    def get_client_ip(self, request) -> str:
        try:
            return super().get_client_ip(request)
        except ImproperlyConfigured:
            # Fewer X-Forwarded-For entries than ALLAUTH_TRUSTED_PROXY_COUNT: the request did
            # not come through every proxy. Count it against the address that sent it, never
            # against an entry it may have written itself, and never fail the page.
            logger.warning("X-Forwarded-For shorter than ALLAUTH_TRUSTED_PROXY_COUNT")
            return request.META["REMOTE_ADDR"]

    # --- Failed sign-in limits ------------------------------------------------------------
    # allauth counts failures per address and per account alone ("5 in 5 minutes"), so five
    # wrong passwords typed by anyone, anywhere, locked a clinician out. Here the account's
    # count is kept per address and account together (a stranger uses up only their own
    # address's tries), and per account alone only with a limit far above what one address
    # can ever reach. allauth rolls back what a successful sign-in consumed
    # (`_login_failed_rl_usage`), so only failures count. tests/accounts/test_sign_in_limits.py
    # pins all of this against allauth's private hooks used here.

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        return f"{ratelimit.get_ip(request)}|{self._account_key(request, **credentials)}"

    def _account_key(self, request, **credentials) -> str:
        return super()._get_login_attempts_cache_key(request, **credentials)

    def pre_authenticate(self, request, **credentials) -> None:
        super().pre_authenticate(request, **credentials)  # per address; per address + account
        per_account = ratelimit.consume(
            request,
            app=APP,
            action=LOGIN_FAILED_PER_ACCOUNT,
            key=self._account_key(request, **credentials),
        )
        if not per_account:
            self._rollback_login_failed_rl_usage()
            raise self.validation_error("too_many_login_attempts")
        self._login_failed_rl_usage.usage.extend(per_account.usage)

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        # After a successful password reset (itself rate limited): the account starts afresh.
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.clear(
            request,
            app=APP,
            action=LOGIN_FAILED_PER_ACCOUNT,
            key=self._account_key(request, **credentials),
        )
