"""A trends-only team sees the patient's own tag names (the "What helps" chart); the consent
text says so where the patient chooses, before they share."""

import datetime as dt
import html
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import MembershipFactory, ShareFactory
from tests.journal.trend_histories import rich_history

pytestmark = pytest.mark.django_db

CONSENT = "Also the names of the activity tags on your check-ins, including tags you named yourself"


def test_the_sharing_page_says_tag_names_are_part_of_trends_before_sharing(patient_client):
    page = html.unescape(patient_client.get(reverse("careteam:sharing")).content.decode())
    assert CONSENT in page


def test_the_choice_for_an_existing_share_says_it_too(patient_client, patient):
    ShareFactory(patient=patient)
    page = html.unescape(patient_client.get(reverse("careteam:sharing")).content.decode())
    assert page.count(CONSENT) >= 2  # the new-share form and the existing share's


def test_what_the_consent_says_is_what_a_trends_only_team_sees(patient):
    share = ShareFactory(patient=patient)  # trends only
    member = MembershipFactory(team=share.team).user
    rich_history(
        patient, days=30, activity_name="My own tag name", end=patient.today() - dt.timedelta(1)
    )
    team = Client()
    team.force_login(member)

    page = team.get(f"/care/patients/{patient.public_id}/?range=30d").content.decode()

    blocks = re.findall(
        r'<script id="chart-what-helps-data" type="application/json">(.*?)</script>', page, re.S
    )
    assert json.loads(blocks[0])["data"][0]["y"] == ["My own tag name"]
