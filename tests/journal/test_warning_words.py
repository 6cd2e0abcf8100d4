"""Words per reader: every warning kind has a patient text and a team text, and no page of one
reader ever shows the other reader's words."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from journal import warning_words
from journal.access import EVERYTHING
from journal.models import Signal
from tests.factories import (
    CareTeamFactory,
    CareUserFactory,
    MembershipFactory,
    ShareFactory,
    SignalFactory,
    UserFactory,
)

TODAY = dt.date(2026, 5, 10)
DETAILS = {
    "sustained_slide": {
        "low_days": 11,
        "areas": ["energy", "self_worth"],
        "usual": 7.0,
        "mean": 4.1,
    },
    "phq9_rise": {"previous": 8, "total": 14},
    "phq9_high": {"total": 17},
    "urgent_item9": {"days": ["2026-05-08", "2026-05-10"], "answer": 2},
    "urgent_checkin": {"days": ["2026-05-04", "2026-05-07", "2026-05-10"]},
    "past_checkin": {"days": ["2026-04-25"]},
}
KINDS = [kind for kind, _ in Signal.Kind.choices]


def test_every_kind_has_details_here():
    assert sorted(DETAILS) == sorted(KINDS) == sorted(warning_words.KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_patient_text_and_a_different_team_text(kind):
    patient = warning_words.for_patient(kind, DETAILS[kind], today=TODAY)
    team = warning_words.for_team(kind, DETAILS[kind], today=TODAY)

    assert patient.title and patient.text and patient.next_steps
    assert team.title and team.text and team.next_steps
    assert patient.title != team.title
    assert patient.text != team.text
    # The patient is spoken to; the team reads about "the patient", never "you".
    assert re.search(r"\byour?\b", patient.text, re.IGNORECASE)
    assert "the patient" not in (patient.title + patient.text + " ".join(patient.next_steps))
    assert not re.search(r"\byour?\b", team.title + " " + team.text, re.IGNORECASE)


@pytest.mark.parametrize("kind", KINDS)
def test_each_text_carries_its_facts(kind):
    patient = warning_words.for_patient(kind, DETAILS[kind], today=TODAY).text
    team = warning_words.for_team(kind, DETAILS[kind], today=TODAY).text
    facts = {
        "sustained_slide": ("11 of the last 14 days",),
        "phq9_rise": ("8 to 14",),
        "phq9_high": ("17",),
        "urgent_item9": ("on 2 of the last 7 days",),
        "urgent_checkin": ("on 3 of the last 7 days",),
        "past_checkin": ("on Saturday 25 April",),
    }[kind]
    for fact in facts:
        assert fact in patient
        assert fact in team


def test_areas_are_named_for_each_reader():
    details = DETAILS["sustained_slide"]
    assert (
        "how you feel about yourself"
        in warning_words.for_patient("sustained_slide", details, today=TODAY).text
    )
    assert "self-worth" in warning_words.for_team("sustained_slide", details, today=TODAY).text


def test_a_card_without_facts_still_reads_kindly_for_both():
    for kind in KINDS:
        assert warning_words.for_patient(kind, {}, today=TODAY).text
        assert warning_words.for_team(kind, {}, today=TODAY).text


# --- On the pages ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_no_reader_ever_sees_the_other_reader_s_words(client, kind):
    patient = UserFactory(display_name="Marlowe")
    team = CareTeamFactory(name="Harbour Clinic")
    member = CareUserFactory()
    MembershipFactory(team=team, user=member)
    ShareFactory(patient=patient, team=team, scope=EVERYTHING)
    today = patient.today()
    details = dict(DETAILS[kind])
    if "days" in details:  # reported in the patient's last week, whatever today is
        details["days"] = [(today - dt.timedelta(days=n)).isoformat() for n in (0, 2)]
    details_today = {**DETAILS, kind: details}
    SignalFactory(patient=patient, kind=kind, details=details, detected_at=timezone.now())

    def words(reader):
        source = warning_words.for_team if reader == "team" else warning_words.for_patient
        w = source(kind, details_today[kind], today=today)
        extra = [Signal.Kind(kind).label] if reader == "team" else []
        return [w.title, w.text, *w.next_steps, *extra]

    client.force_login(patient)
    for url in (reverse("home"), reverse("trends")):
        body = client.get(url).content.decode()
        for text in words("patient"):
            assert text.replace("'", "&#x27;") in body, (url, text)
        for text in words("team"):
            assert text.replace("'", "&#x27;") not in body, (url, text)
        assert "Please reach out to the patient" not in body
        assert "the patient" not in body

    client.force_login(member)
    dashboard = client.get(reverse("careteam:dashboard")).content.decode()
    page = client.get(reverse("careteam:patient", args=[patient.public_id])).content.decode()
    for text in words("team")[:2]:
        assert text.replace("'", "&#x27;") in page, text
    for body in (dashboard, page):
        for text in words("patient"):
            assert text.replace("'", "&#x27;") not in body, text
        assert "You told us" not in body
        assert "Your mood" not in body
