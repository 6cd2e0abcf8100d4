from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction


class AccountAdapter(DefaultAccountAdapter):
    """Everyone who signs up is a patient (the model default), unless they arrive through a
    care-team member invitation for the very address they sign up with: then the account is a
    care-team account and joins that team. Email verification still applies to both."""

    def is_open_for_signup(self, request) -> bool:
        return True

    @transaction.atomic
    def save_user(self, request, user, form, commit=True):
        from careteam import services
        from careteam.views import MEMBER_INVITATION_SESSION_KEY

        token = request.session.get(MEMBER_INVITATION_SESSION_KEY) if request else None
        invitation = (
            services.member_invitation_for_signup(token=token, email=form.cleaned_data["email"])
            if token
            else None
        )
        if invitation is None:
            return super().save_user(request, user, form, commit=commit)
        user = super().save_user(request, user, form, commit=False)
        user.role = user.Role.CARE
        user.save()
        # The address is verified before this account can sign in, and the invitation was sent
        # to that address: joining the team now is safe, and the token is spent either way.
        services.invitation_accept_member(token=token, user=user)
        request.session.pop(MEMBER_INVITATION_SESSION_KEY, None)
        return user
