import re

import pytest
from django.core import mail

from accounts.models import User
from careteam.models import Membership
from tests.e2e.conftest import log_in, log_out
from tests.factories import CareTeamFactory, CareUserFactory, MembershipFactory, code_for_secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_team_admin_invites_a_coach_who_signs_up_and_lands_in_the_team(page, live_server):
    team = CareTeamFactory(name="Harbour Clinic")
    admin = CareUserFactory(email="lead@clinic.test")
    MembershipFactory(team=team, user=admin, role=Membership.Role.TEAM_ADMIN)

    log_in(page, admin.email, then="**/care/")
    page.get_by_role("link", name="Harbour Clinic").click()
    page.get_by_label("Their email address").fill("new.coach@clinic.test")
    page.get_by_label("Role in the team").select_option("coach")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to new.coach@clinic.test.").wait_for()
    log_out(page)
    page.wait_for_url("**/accounts/login/")

    link = re.search(r"https?://[^/\s]+(/care/invitations/[^\s]+/)", mail.outbox[-1].body)
    page.goto(link.group(1))
    page.get_by_role("link", name="Create my account").click()
    page.get_by_label("Email:", exact=True).fill("new.coach@clinic.test")
    page.get_by_label("Password:", exact=True).fill("tidal-pools-at-dawn-42")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    confirm = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body)
    page.goto(confirm.group(1))
    page.get_by_role("button", name="Confirm").click()

    # In the team, but patients' data waits until the coach sets up a second factor.
    page.wait_for_url("**/settings/two-factor/")
    page.get_by_role("link", name="Set up an authenticator app").click()
    page.get_by_label("Password:", exact=True).fill("tidal-pools-at-dawn-42")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(code_for_secret(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(lambda url: "/totp/activate/" not in url)
    page.goto("/care/")
    page.get_by_role("heading", name="Your patients").wait_for()
    coach = User.objects.get(email="new.coach@clinic.test")
    assert coach.role == User.Role.CARE
    assert Membership.objects.get(user=coach).role == "coach"
