"""The access door's edges, one test per surviving mutant of `make mutate MODULE=access`
(TESTING.md): until when a grant runs, who is never a patient, deactivated members, and the
lines the access log gets."""

import datetime as dt

import pytest
from django.http import Http404

from careteam.access import grant_for, log_also, log_dashboard_look
from careteam.models import AccessEvent, ContactDetails
from journal import access as journal_access
from journal.access import EVERYTHING, Grant, Scope, scope_labels
from tests.factories import CareTeamFactory, CareUserFactory, MembershipFactory, ShareFactory

pytestmark = pytest.mark.django_db


def member_of_team_with(patient, **share):
    clinician = CareUserFactory()
    team = CareTeamFactory()
    MembershipFactory(team=team, user=clinician)
    ShareFactory(patient=patient, team=team, **share)
    return clinician, team


def test_a_grant_runs_until_the_latest_end_of_the_shares_it_comes_from(patient):
    end = patient.today() + dt.timedelta(days=10)
    clinician, _ = member_of_team_with(patient, expires_on=end)
    grant = grant_for(clinician, patient.public_id, need=Scope.TRENDS, what="trends")
    assert grant.until is not None
    assert grant.until == patient.shares.get().expires_at

    later = end + dt.timedelta(days=5)
    team2 = CareTeamFactory()
    MembershipFactory(team=team2, user=clinician)
    ShareFactory(patient=patient, team=team2, expires_on=later)
    grant = grant_for(clinician, patient.public_id, need=Scope.TRENDS, what="trends")
    assert grant.until == patient.shares.order_by("-expires_at").first().expires_at

    team3 = CareTeamFactory()
    MembershipFactory(team=team3, user=clinician)
    ShareFactory(patient=patient, team=team3)  # until revoked
    assert grant_for(clinician, patient.public_id, need=Scope.TRENDS, what="x").until is None


def test_a_care_members_id_is_never_a_patients_and_nothing_is_logged(patient):
    clinician, _ = member_of_team_with(patient)
    colleague = CareUserFactory()
    with pytest.raises(Http404):
        grant_for(clinician, colleague.public_id, need=Scope.TRENDS, what="trends")
    assert not AccessEvent.objects.exists()


def test_a_deactivated_member_sees_nothing(patient):
    clinician, _ = member_of_team_with(patient)
    clinician.is_active = False
    clinician.save()
    with pytest.raises(Http404):
        grant_for(clinician, patient.public_id, need=Scope.TRENDS, what="trends")


def test_a_second_part_of_a_page_is_logged_for_others_only(patient):
    clinician, _ = member_of_team_with(patient, scope=Scope.TRENDS | Scope.CONTACT)
    grant = grant_for(clinician, patient.public_id, need=Scope.TRENDS, what="trends")
    log_also(grant, what="contact")
    log_also(Grant(patient=patient, scope=EVERYTHING, viewer=patient), what="contact")
    assert sorted(AccessEvent.objects.values_list("viewer_id", "what", "allowed")) == sorted(
        [(clinician.pk, "trends", True), (clinician.pk, "contact", True)]
    )


def test_the_dashboard_logs_each_look_by_what_it_showed(patient):
    clinician, _ = member_of_team_with(patient, scope=Scope.TRENDS | Scope.CONTACT)
    ContactDetails.objects.create(patient=patient, phone="07700 900123")
    log_dashboard_look(clinician)
    assert sorted(AccessEvent.objects.values_list("patient_id", "what", "allowed")) == [
        (patient.pk, "contact", True),
        (patient.pk, "dashboard", True),
    ]


def test_the_journals_door_passes_the_need_and_the_reason_on(patient):
    clinician, _ = member_of_team_with(patient, scope=Scope.TRENDS)
    with pytest.raises(Http404):
        journal_access.grant_for(clinician, patient.public_id, need=Scope.NOTES, what="notes")
    journal_access.grant_for(clinician, patient.public_id, need=Scope.TRENDS, what="trends")
    assert list(AccessEvent.objects.order_by("pk").values_list("what", "allowed")) == [
        ("notes", False),
        ("trends", True),
    ]


def test_scope_labels_name_the_parts_given():
    assert scope_labels(Scope.TRENDS) == ["Trends and questionnaires"]
    assert scope_labels(Scope.TRENDS | Scope.CONTACT) == [
        "Trends and questionnaires",
        "How to reach me",
    ]
