"""Clinic entries (Scope.CLINIC_ENTRIES): a care-team member enters the after-session check for
a patient who allows it. Off by default; without the scope, or after a revoke, 404; each entry
is marked as the team's wherever it shows and every look is on the access log."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from careteam.forms import SCOPE_CHOICES
from careteam.models import AccessEvent, Share
from journal.access import EVERYTHING, Scope
from journal.after_session import EFFECT_KEYS
from journal.export_zip import session_checks_table
from journal.models import SessionCheck
from tests.factories import (
    PASSWORD,
    CareTeamFactory,
    CareUserFactory,
    MembershipFactory,
    ShareFactory,
    TreatmentSessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def answers(moment="evening", felt="4", **fields):
    data = {"moment": moment, "felt": felt, **{f"effect_{k}": "0" for k in EFFECT_KEYS}}
    data.update(fields)
    return data


@pytest.fixture
def clinic():
    """A team member, their team (named), and a client signed in as them."""
    team = CareTeamFactory(name="Harbour Clinic", crisis_note="Call us on 555-0100, any hour.")
    member = CareUserFactory(display_name="Dr Okafor")
    MembershipFactory(team=team, user=member)
    client = Client()
    client.force_login(member)
    return team, member, client


def check_url(patient, session):
    return reverse("careteam:clinic_check", args=[patient.public_id, session.pk])


def test_clinic_entries_are_off_by_default():
    assert not dict((part, ticked) for part, _, ticked, _ in SCOPE_CHOICES)[Scope.CLINIC_ENTRIES]
    assert ShareFactory.build().scope == Scope.TRENDS  # the model default: trends only


def test_the_patient_opts_in_on_the_sharing_form_after_their_password(patient_client, patient):
    form = patient_client.get(reverse("careteam:sharing")).content.decode()
    box = re.search(r'<input[^>]*name="scope_clinic_entries"[^>]*>', form).group(0)
    assert "checked" not in box
    assert "My team may enter my after-session check for me" in form
    share = ShareFactory(patient=patient, scope=Scope.TRENDS)
    url = reverse("careteam:share_update", kwargs={"share_id": share.pk})
    data = {f"share{share.pk}-scope_trends": "on", f"share{share.pk}-scope_clinic_entries": "on"}
    patient_client.post(url, data)
    share.refresh_from_db()
    assert Scope.CLINIC_ENTRIES not in share.scope  # widening asks for the password first
    patient_client.post(reverse("account_reauthenticate") + "?next=" + url, {"password": PASSWORD})
    share.refresh_from_db()
    assert share.scope == Scope.TRENDS | Scope.CLINIC_ENTRIES


def test_with_the_scope_the_team_enters_a_check_marked_as_theirs_and_logged(clinic):
    team, member, client = clinic
    patient, other = UserFactory(), UserFactory()
    ShareFactory(patient=patient, team=team, scope=Scope.TRENDS | Scope.CLINIC_ENTRIES)
    ShareFactory(patient=other, team=team, scope=Scope.TRENDS | Scope.CLINIC_ENTRIES)
    session = TreatmentSessionFactory(patient=patient)
    other_session = TreatmentSessionFactory(patient=other)

    assert client.get(check_url(patient, session)).status_code == 200
    for _ in range(2):  # a double submit keeps one
        response = client.post(
            check_url(patient, session),
            answers(effect_nausea="2", bp_before_systolic="130", bp_before_diastolic="85"),
        )
        assert response.status_code == 302
    check = SessionCheck.objects.get(session=session)
    assert (check.patient, check.entered_by, check.entered_by_team) == (patient, member, team.name)
    assert check.entered_by_name == "Dr Okafor"
    assert check.effects == {"nausea": 2}
    # The other patient's journal is untouched; the session of one is not the other's.
    assert not SessionCheck.objects.filter(patient=other).exists()
    assert client.get(check_url(patient, other_session)).status_code == 404
    # Every look and save is on the patient's access log, as a clinic entry (the look at
    # another patient's session under this patient's id included: one GET, two POSTs, one GET).
    lines = AccessEvent.objects.filter(patient=patient, viewer=member, what="clinic_entry")
    assert lines.count() == 4 and all(line.allowed for line in lines)
    assert not AccessEvent.objects.filter(patient=other).exists()
    # In plain words on the patient's "Who viewed my data" page.
    own = Client()
    own.force_login(patient)
    log = own.get(reverse("careteam:access_log")).content.decode()
    assert "an after-session check, to enter it for you" in log


def test_without_the_scope_the_pages_are_404_and_nothing_is_saved(clinic):
    team, member, client = clinic
    patient = UserFactory()
    ShareFactory(patient=patient, team=team, scope=EVERYTHING & ~Scope.CLINIC_ENTRIES)
    session = TreatmentSessionFactory(patient=patient)
    assert client.get(check_url(patient, session)).status_code == 404
    assert client.post(check_url(patient, session), answers()).status_code == 404
    entries = reverse("careteam:patient_clinic_entries", args=[patient.public_id])
    assert client.get(entries).status_code == 404
    assert not SessionCheck.objects.exists()
    refused = AccessEvent.objects.filter(patient=patient, viewer=member, allowed=False)
    assert refused.count() == 3
    # And no tab to it on the team's pages.
    page = client.get(reverse("careteam:patient", args=[patient.public_id])).content.decode()
    assert entries not in page


def test_a_revoked_share_ends_clinic_entries(clinic):
    team, _, client = clinic
    patient = UserFactory()
    share = ShareFactory(patient=patient, team=team, scope=Scope.TRENDS | Scope.CLINIC_ENTRIES)
    session = TreatmentSessionFactory(patient=patient)
    assert client.get(check_url(patient, session)).status_code == 200
    Share.objects.filter(pk=share.pk).update(revoked_at=timezone.now())
    assert client.post(check_url(patient, session), answers()).status_code == 404
    assert not SessionCheck.objects.exists()


def test_the_patient_reads_a_team_entry_marked_as_theirs_but_cannot_change_it(clinic):
    team, _, client = clinic
    patient = UserFactory()
    ShareFactory(patient=patient, team=team, scope=Scope.TRENDS | Scope.CLINIC_ENTRIES)
    session = TreatmentSessionFactory(patient=patient)
    client.post(check_url(patient, session), answers(felt="3"))
    own = Client()
    own.force_login(patient)
    url = reverse("session_check", args=[session.pk])
    html = own.get(url).content.decode()
    assert "Entered by the care team:" in html and "Harbour Clinic" in html and "Dr Okafor" in html
    # Saving the same moment is refused with a clear message; the team's answer stays.
    response = own.post(url, answers(felt="9"))
    assert response.status_code == 200
    assert "Your care team entered this check for you" in response.content.decode()
    assert SessionCheck.objects.get(session=session).felt == 3
    # The other moment is the patient's own to fill in, and is marked as theirs.
    assert own.post(url, answers(moment="next_day", felt="8")).status_code == 302
    mine = SessionCheck.objects.get(session=session, moment="next_day")
    assert (mine.entered_by, mine.entered_by_team, mine.by_team) == (None, "", False)
    assert "Entered by you" in own.get(url).content.decode()


def test_the_team_does_not_overwrite_what_the_patient_wrote(clinic):
    team, _, client = clinic
    patient = UserFactory()
    ShareFactory(patient=patient, team=team, scope=Scope.TRENDS | Scope.CLINIC_ENTRIES)
    session = TreatmentSessionFactory(patient=patient)
    own = Client()
    own.force_login(patient)
    own.post(reverse("session_check", args=[session.pk]), answers(felt="7"))
    response = client.post(check_url(patient, session), answers(felt="2"))
    assert response.status_code == 400
    assert "already filled in this check themselves" in response.content.decode()
    check = SessionCheck.objects.get(session=session)
    assert (check.felt, check.by_team) == (7, False)


def test_a_severe_team_entry_shows_the_team_guidance_and_the_patient_the_help_page(clinic):
    team, _, client = clinic
    patient = UserFactory()
    ShareFactory(patient=patient, team=team, scope=Scope.TRENDS | Scope.CLINIC_ENTRIES)
    session = TreatmentSessionFactory(patient=patient)
    response = client.post(check_url(patient, session), answers(effect_heart="3"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "noted a severe after-effect" in html and "raised blood pressure" in html
    own = Client()
    own.force_login(patient)
    html = own.get(reverse("session_check", args=[session.pk])).content.decode()
    assert "Your care team noted a severe after-effect" in html
    assert "555-0100" in html and reverse("need_help_now") in html


def test_a_moderate_team_entry_shows_no_help_card(clinic):
    team, _, client = clinic
    patient = UserFactory()
    ShareFactory(patient=patient, team=team, scope=Scope.TRENDS | Scope.CLINIC_ENTRIES)
    session = TreatmentSessionFactory(patient=patient)
    assert client.post(check_url(patient, session), answers(effect_heart="2")).status_code == 302
    own = Client()
    own.force_login(patient)
    html = own.get(reverse("session_check", args=[session.pk])).content.decode()
    assert "Your care team noted a severe after-effect" not in html


def test_team_entries_are_marked_on_the_team_pages_dashboard_and_export(clinic):
    team, _, client = clinic
    patient = UserFactory()
    ShareFactory(patient=patient, team=team, scope=Scope.TRENDS | Scope.CLINIC_ENTRIES)
    session = TreatmentSessionFactory(patient=patient)
    client.post(check_url(patient, session), answers(effect_nausea="1"))
    entries = client.get(reverse("careteam:patient_clinic_entries", args=[patient.public_id]))
    assert "Entered by the care team:" in entries.content.decode()
    dashboard = client.get(reverse("careteam:dashboard")).content.decode()
    assert "entered by Harbour Clinic" in dashboard
    table = session_checks_table(patient)
    assert table.rows[0][-1] == "Care team: Harbour Clinic (Dr Okafor)"


@pytest.mark.parametrize("sessions", [1, 12])
def test_the_team_list_costs_the_same_queries_whatever_the_history(
    clinic, sessions, django_assert_max_num_queries
):
    team, member, client = clinic
    patient = UserFactory()
    ShareFactory(patient=patient, team=team, scope=Scope.TRENDS | Scope.CLINIC_ENTRIES)
    for _ in range(sessions):
        session = TreatmentSessionFactory(patient=patient)
        SessionCheck.objects.create(
            session=session,
            patient=patient,
            moment="evening",
            felt=5,
            entered_by=member,
            entered_by_team=team.name,
        )
    url = reverse("careteam:patient_clinic_entries", args=[patient.public_id])
    client.get(url)  # warm the session and the per-user caches
    # 8 for 1 session or 12: the door, its log line, two for the sessions and their checks.
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("Entered by the care team:") == min(sessions, 10)
