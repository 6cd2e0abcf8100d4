from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Everyone who signs up is a patient (the model default); care-team accounts come from an
    admin or an invitation. Kept as a seam for invitation-aware signup later."""

    def is_open_for_signup(self, request) -> bool:
        return True
