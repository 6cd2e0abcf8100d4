from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Everyone who signs up is a patient (the model default). A care-team member invitation
    turns the new account into a care-team one: the care-team app does that on allauth's
    `user_signed_up` signal (careteam/wiring.py), so this bottom layer knows nothing of teams."""

    def is_open_for_signup(self, request) -> bool:
        return True

    def get_login_redirect_url(self, request) -> str:
        # Staff work in the admin; as care-team accounts they would land on an empty dashboard.
        if request.user.is_staff:
            return reverse("admin:index")
        return super().get_login_redirect_url(request)
