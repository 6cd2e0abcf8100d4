import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from careteam import invitations as services
from careteam.models import Invitation, Membership, Share
from journal.access import Scope
from tests.factories import PASSWORD, CareUserFactory, MembershipFactory, reauthenticate

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "quiet-harbour-lanterns-7"


@pytest.fixture
def team_admin(db):
    admin = CareUserFactory(display_name="Dr. Admin")
    MembershipFactory(user=admin, role=Membership.Role.TEAM_ADMIN, team__name="Harbour Clinic")
    return admin


@pytest.fixture
def team(team_admin):
    return team_admin.memberships.get().team


def invite(client, team_admin, team, email="new.colleague@clinic.test", role="coach"):
    client.force_login(team_admin)
    return client.post(
        reverse("careteam:team", kwargs={"team_id": team.pk}),
        {"action": "member", "email": email, "role": role},
    )


def link_path(body: str) -> str:
    found = re.search(r"https?://[^/\s]+(/care/invitations/[^\s/]+/)", body)
    assert found, "no invitation link in the email"
    return found.group(1)


def test_a_team_admin_invites_a_colleague_by_email_over_smtp(
    client, team_admin, team, smtp_settings
):
    response = invite(client, team_admin, team)

    assert response.status_code == 302
    assert len(smtp_settings.inbox.messages) == 1
    received = smtp_settings.inbox.messages[0]
    assert received["to"] == ["new.colleague@clinic.test"]
    text = smtp_settings.inbox.bodies()[0]
    assert "Harbour Clinic" in text
    token = link_path(text).rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get()
    # Only the hash is stored: the database alone cannot open the invitation.
    assert invitation.token_hash == Invitation.hash_token(token)
    assert token not in str(list(Invitation.objects.values_list()))
    assert (invitation.kind, invitation.role) == ("member", "coach")


def test_the_invitee_signs_up_verifies_and_lands_in_the_team(client, team_admin, team):
    invite(client, team_admin, team)
    path = link_path(mail.outbox[-1].body)
    client.logout()

    landing = client.get(path)
    assert "Join Harbour Clinic" in landing.content.decode()
    client.post(
        reverse("account_signup"),
        {
            "email": "new.colleague@clinic.test",
            "password1": NEW_PASSWORD,
            "time_zone": "UTC",
            "reminder_time": "20:00",
        },
    )

    user = User.objects.get(email="new.colleague@clinic.test")
    assert user.role == User.Role.CARE
    assert Membership.objects.get(user=user).team == team
    assert Invitation.objects.get().used_at is not None
    # Email verification still applies: not signed in until the address is confirmed.
    assert not EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("careteam:dashboard")).status_code == 302
    confirm = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body)
    client.post(confirm.group(1))
    # Signed in, and in the team; patients' data waits until they set up a second factor.
    assert client.get(reverse("careteam:dashboard"))["Location"] == reverse("two_factor_required")
    TOTP.activate(user, generate_totp_secret())
    assert client.get(reverse("careteam:dashboard")).status_code == 200


def test_signing_up_with_another_address_makes_an_ordinary_patient_account(
    client, team_admin, team
):
    invite(client, team_admin, team)
    path = link_path(mail.outbox[-1].body)
    client.logout()
    client.get(path)

    client.post(
        reverse("account_signup"),
        {"email": "someone.else@example.test", "password1": NEW_PASSWORD, "reminder_time": "20:00"},
    )

    user = User.objects.get(email="someone.else@example.test")
    assert user.role == User.Role.PATIENT
    assert not Membership.objects.filter(user=user).exists()
    assert Invitation.objects.get().used_at is None


def test_an_existing_care_account_accepts_while_signed_in_and_the_link_works_once(
    client, team_admin, team
):
    invite(client, team_admin, team)
    path = link_path(mail.outbox[-1].body)
    colleague = CareUserFactory(email="new.colleague@clinic.test")
    client.force_login(colleague)

    response = client.post(path)

    assert response.status_code == 302
    assert Membership.objects.get(user=colleague).role == "coach"
    again = client.get(path)
    assert again.status_code == 404
    assert "doesn't work any more" in again.content.decode()


def test_an_expired_invitation_is_refused(client, team_admin, team):
    invite(client, team_admin, team)
    path = link_path(mail.outbox[-1].body)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    client.force_login(CareUserFactory())

    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    assert Membership.objects.count() == 1  # the admin only


def test_a_patient_account_cannot_join_a_team_as_a_member(client, team_admin, team, patient):
    invite(client, team_admin, team)
    path = link_path(mail.outbox[-1].body)
    client.force_login(patient)

    client.post(path)

    assert not Membership.objects.filter(user=patient).exists()
    assert Invitation.objects.get().used_at is None


def test_only_a_team_admin_can_invite(client, team):
    member = MembershipFactory(team=team).user
    client.force_login(member)

    response = client.post(
        reverse("careteam:team", kwargs={"team_id": team.pk}),
        {"action": "member", "email": "x@clinic.test", "role": "clinician"},
    )

    assert response.status_code == 404
    assert not Invitation.objects.exists()
    assert len(mail.outbox) == 0


def test_an_invalid_email_gets_a_clear_error(client, team_admin, team):
    response = invite(client, team_admin, team, email="not-an-address")

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_patient_shares_through_a_single_use_link(client, team_admin, team, patient):
    client.force_login(team_admin)
    page = client.post(
        reverse("careteam:team", kwargs={"team_id": team.pk}), {"action": "patient_link"}
    ).content.decode()
    path = re.search(r"https?://[^/\s]+(/care/join/[^\s/<]+/)", page).group(1)

    client.force_login(patient)
    assert "Share your journal with Harbour Clinic?" in client.get(path).content.decode()
    reauthenticate(client, PASSWORD)
    response = client.post(path + "accept/", {"scope_trends": "on"})

    assert response.status_code == 302
    share = Share.objects.get(patient=patient)
    assert (share.team, share.scope) == (team, Scope.TRENDS)
    assert client.get(path).status_code == 404


def test_member_invitation_for_signup_needs_the_invited_address(team_admin, team):
    invitation, token = services._invitation_create(
        team=team, kind="member", created_by=team_admin, email="A@Clinic.test", role="coach", days=1
    )
    assert services.member_invitation_for_signup(token=token, email="a@clinic.test") == invitation
    assert services.member_invitation_for_signup(token=token, email="b@clinic.test") is None
    assert services.member_invitation_for_signup(token="wrong", email="a@clinic.test") is None


def test_a_double_submitted_invitation_sends_one_email(client, team_admin, team):
    invite(client, team_admin, team)
    invite(client, team_admin, team)

    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_admin_creates_a_team_with_a_generated_code_and_members(client):
    admin = CareUserFactory(is_staff=True, is_superuser=True)
    colleague = CareUserFactory()
    client.force_login(admin)
    add_url = reverse("admin:careteam_careteam_add")
    form = client.get(add_url).content.decode()
    code = re.search(r'name="join_code"[^>]*value="([A-Z2-9]{8})"', form).group(1)

    response = client.post(
        add_url,
        {
            "name": "Lighthouse Practice",
            "join_code": code,
            "crisis_note": "",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": colleague.pk,
            "memberships-0-role": "team_admin",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    from careteam.models import CareTeam

    team = CareTeam.objects.get(name="Lighthouse Practice")
    assert team.join_code == code
    assert Membership.objects.get(team=team).user == colleague


# --- An invitation is bound to the address it was sent to, on every path -------------------------


def test_a_signed_in_clinician_with_another_address_is_told_plainly_and_cannot_join(
    client, team_admin, team
):
    invite(client, team_admin, team, role="team_admin")
    path = link_path(mail.outbox[-1].body)
    elsewhere = CareUserFactory(email="dr.elsewhere@other-clinic.test")
    client = Client()  # their own browser: no message left over from the admin's session
    client.force_login(elsewhere)

    page = client.get(path)
    body = page.content.decode()
    joined = client.post(path)

    assert page.status_code == 200
    assert "was sent to a different email address" in body
    assert "dr.elsewhere@other-clinic.test" in body  # their own address, so they see which
    assert "new.colleague@clinic.test" not in body  # never the address it was sent to
    assert "<form" not in body.split("<main", 1)[1].split("</main>")[0]  # no Join button
    assert joined.status_code == 302
    assert not Membership.objects.filter(user=elsewhere).exists()
    assert Invitation.objects.get().used_at is None  # still good for the real invitee
    refused = client.get(path).content.decode()
    assert "was sent to a different email address" in refused


def test_the_real_invitee_can_still_join_after_someone_else_tried_the_link(
    client, team_admin, team
):
    invite(client, team_admin, team)
    path = link_path(mail.outbox[-1].body)
    client.force_login(CareUserFactory(email="dr.elsewhere@other-clinic.test"))
    client.post(path)

    invitee = CareUserFactory(email="new.colleague@clinic.test")
    client.force_login(invitee)
    response = client.post(path)

    assert response.status_code == 302
    assert Membership.objects.get(user=invitee).team == team
    assert Invitation.objects.get().used_at is not None


def test_the_address_is_compared_without_regard_to_case_when_signed_in(client, team_admin, team):
    invite(client, team_admin, team, email="New.Colleague@Clinic.test")
    path = link_path(mail.outbox[-1].body)
    invitee = CareUserFactory(email="new.colleague@CLINIC.TEST")
    client.force_login(invitee)

    assert "Join Harbour Clinic" in client.get(path).content.decode()
    client.post(path)

    assert Membership.objects.get(user=invitee).role == "coach"


def test_the_address_is_compared_without_regard_to_case_at_sign_up(client, team_admin, team):
    invite(client, team_admin, team)
    path = link_path(mail.outbox[-1].body)
    client.logout()
    client.get(path)

    client.post(
        reverse("account_signup"),
        {"email": "New.Colleague@CLINIC.test", "password1": NEW_PASSWORD, "reminder_time": "20:00"},
    )

    user = User.objects.get(email__iexact="new.colleague@clinic.test")
    assert user.role == User.Role.CARE
    assert Membership.objects.get(user=user).team == team


def test_the_service_refuses_another_account_and_keeps_the_token_unspent(team_admin, team):
    _, token = services._invitation_create(
        team=team,
        kind="member",
        created_by=team_admin,
        email="a@clinic.test",
        role="team_admin",
        days=1,
    )
    stranger = CareUserFactory(email="b@other-clinic.test")

    with pytest.raises(ValidationError) as refused:
        services.invitation_accept_member(token=token, user=stranger)

    assert "different email address" in " ".join(refused.value.messages)
    assert "a@clinic.test" not in " ".join(refused.value.messages)
    assert not Membership.objects.filter(user=stranger).exists()
    assert Invitation.objects.get(token_hash=Invitation.hash_token(token)).used_at is None
    owner = CareUserFactory(email="A@Clinic.test")
    services.invitation_accept_member(token=token, user=owner)
    assert Membership.objects.get(user=owner).role == "team_admin"


def test_signing_up_with_another_address_says_the_invitation_was_not_used(client, team_admin, team):
    invite(client, team_admin, team)
    path = link_path(mail.outbox[-1].body)
    client.logout()
    client.get(path)

    response = client.post(
        reverse("account_signup"),
        {"email": "someone.else@example.test", "password1": NEW_PASSWORD, "reminder_time": "20:00"},
        follow=True,
    )

    body = response.content.decode()
    assert "invitation was sent to a different email address" in body
    assert "new.colleague@clinic.test" not in body
