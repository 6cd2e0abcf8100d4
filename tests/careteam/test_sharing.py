import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from careteam.models import Share
from journal.access import Scope
from tests.factories import (
    PASSWORD,
    CareTeamFactory,
    MembershipFactory,
    ShareFactory,
    reauthenticate,
)

pytestmark = pytest.mark.django_db


def connect(client, code, **extra):
    data = {"code": code, "scope_trends": "on", "expires_on": "", **extra}
    return client.post(reverse("careteam:share_connect"), data)


def patient_page(client, patient):
    return client.get(reverse("careteam:patient", kwargs={"public_id": patient.public_id}))


def test_a_patient_connects_by_typing_the_team_code_after_confirming_their_password(
    patient_client, patient
):
    team = CareTeamFactory(join_code="HARB7K2M")

    first = connect(patient_client, "harb-7k2m ")
    # Not yet: allauth asks for the password first, and keeps the request.
    assert first.status_code == 302
    assert reverse("account_reauthenticate") in first["Location"]
    assert not Share.objects.exists()

    resumed = patient_client.post(
        reverse("account_reauthenticate") + "?next=" + reverse("careteam:share_connect"),
        {"password": PASSWORD},
    )

    assert resumed.status_code == 302
    share = Share.objects.get(patient=patient, team=team)
    assert (share.scope, share.revoked_at) == (Scope.TRENDS, None)


def test_notes_are_not_shared_unless_the_patient_turns_them_on(patient_client, patient):
    CareTeamFactory(join_code="CODE2345")
    form = patient_client.get(reverse("careteam:sharing")).content.decode()
    notes_box = re.search(r'<input[^>]*name="scope_notes"[^>]*>', form).group(0)
    trends_box = re.search(r'<input[^>]*name="scope_trends"[^>]*>', form).group(0)
    assert "checked" not in notes_box  # off by default
    assert "checked" in trends_box
    reauthenticate(patient_client)

    connect(patient_client, "CODE2345")

    assert Scope.NOTES not in Share.objects.get(patient=patient).scope


def test_an_unknown_code_gets_a_kind_error_and_saves_nothing(patient_client):
    reauthenticate(patient_client)

    response = connect(patient_client, "NOPE9999")

    assert response.status_code == 200
    assert "couldn&#x27;t find a care team with that code" in response.content.decode()
    assert not Share.objects.exists()


def test_connecting_twice_makes_one_share(patient_client, patient):
    CareTeamFactory(join_code="TWICE234")
    reauthenticate(patient_client)

    connect(patient_client, "TWICE234")
    connect(patient_client, "TWICE234")

    assert Share.objects.filter(patient=patient).count() == 1


def test_an_end_date_in_the_past_is_refused_kindly(patient_client, patient):
    CareTeamFactory(join_code="PAST2345")
    reauthenticate(patient_client)
    yesterday = patient.today() - dt.timedelta(days=1)

    response = connect(patient_client, "PAST2345", expires_on=yesterday.isoformat())

    assert response.status_code == 200
    assert "Choose today or a later date" in response.content.decode()
    assert not Share.objects.exists()


def test_revoking_takes_effect_on_the_clinicians_very_next_request(client, patient, clinician):
    share = ShareFactory(patient=patient)
    MembershipFactory(team=share.team, user=clinician)
    client.force_login(clinician)
    assert patient_page(client, patient).status_code == 200

    patient_side = client.__class__()
    patient_side.force_login(patient)
    # No reauthentication: stopping must always be one step.
    response = patient_side.post(reverse("careteam:share_revoke", kwargs={"share_id": share.pk}))
    assert response.status_code == 302

    assert patient_page(client, patient).status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is not None


def test_care_pages_are_never_cached(client, patient, clinician):
    share = ShareFactory(patient=patient)
    MembershipFactory(team=share.team, user=clinician)
    client.force_login(clinician)

    for response in (patient_page(client, patient), client.get(reverse("careteam:dashboard"))):
        assert "no-store" in response["Cache-Control"]


def test_narrowing_the_scope_needs_no_password_and_hides_notes_at_once(client, patient, clinician):
    share = ShareFactory(patient=patient, scope=Scope.TRENDS | Scope.NOTES)
    MembershipFactory(team=share.team, user=clinician)
    notes_url = reverse("careteam:patient_notes", kwargs={"public_id": patient.public_id})
    client.force_login(clinician)
    assert client.get(notes_url).status_code == 200

    patient_side = client.__class__()
    patient_side.force_login(patient)
    response = patient_side.post(
        reverse("careteam:share_update", kwargs={"share_id": share.pk}),
        {f"share{share.pk}-scope_trends": "on"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("careteam:sharing")
    assert client.get(notes_url).status_code == 404
    assert patient_page(client, patient).status_code == 200


def test_widening_the_scope_asks_for_the_password_first(patient_client, patient):
    share = ShareFactory(patient=patient, scope=Scope.TRENDS)
    url = reverse("careteam:share_update", kwargs={"share_id": share.pk})
    data = {f"share{share.pk}-scope_trends": "on", f"share{share.pk}-scope_notes": "on"}

    response = patient_client.post(url, data)

    assert reverse("account_reauthenticate") in response["Location"]
    share.refresh_from_db()
    assert Scope.NOTES not in share.scope

    # After the password, allauth replays the very request the patient made.
    patient_client.post(reverse("account_reauthenticate") + "?next=" + url, {"password": PASSWORD})
    share.refresh_from_db()
    assert Scope.NOTES in share.scope


def test_sharing_nothing_at_all_is_refused_with_a_pointer_to_stop(patient_client, patient):
    share = ShareFactory(patient=patient)

    response = patient_client.post(reverse("careteam:share_update", kwargs={"share_id": share.pk}))

    assert response.status_code == 200
    assert "Choose at least one thing to share" in response.content.decode()
    share.refresh_from_db()
    assert share.scope == Scope.TRENDS


def test_a_share_past_its_end_date_no_longer_opens_the_patient(client, patient, clinician):
    share = ShareFactory(patient=patient, expires_on=timezone.localdate() - dt.timedelta(days=1))
    MembershipFactory(team=share.team, user=clinician)
    client.force_login(clinician)

    assert patient_page(client, patient).status_code == 404


@pytest.mark.parametrize(
    ("time_zone", "local_hour", "shared"),
    [
        # Auckland is UTC+13 in December: its 00:30 on the 2nd is still the 1st in UTC, when a
        # comparison with the server's date kept the share open for another 13 hours.
        ("Pacific/Auckland", 23, True),
        ("Pacific/Auckland", 24 + 0.5, False),
        # Los Angeles is UTC-8: its 8 p.m. on the 1st is already the 2nd in UTC, when the
        # share used to end four hours before the day the patient chose was over.
        ("America/Los_Angeles", 20, True),
        ("America/Los_Angeles", 24 + 0.5, False),
    ],
)
def test_a_share_ends_at_midnight_of_its_last_day_in_the_patients_own_time_zone(
    time_zone, local_hour, shared
):
    last_day = dt.date(2026, 12, 1)
    share = ShareFactory(patient__time_zone=time_zone, expires_on=last_day)
    local = dt.datetime.combine(last_day, dt.time(), ZoneInfo(time_zone)) + dt.timedelta(
        hours=local_hour
    )

    assert share.expires_at == dt.datetime(2026, 12, 2, tzinfo=ZoneInfo(time_zone))
    assert Share.objects.active(now=local).filter(pk=share.pk).exists() is shared


def test_moving_the_last_day_moves_the_end(patient):
    share = ShareFactory(patient=patient, expires_on=dt.date(2026, 12, 1))
    share.expires_on = None
    share.save(update_fields=["expires_on"])

    share.refresh_from_db()
    assert share.expires_at is None
    assert Share.objects.active(now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)).filter(pk=share.pk)


def test_the_sharing_page_lists_current_and_ended_shares(patient_client, patient):
    ShareFactory(patient=patient, team=CareTeamFactory(name="Harbour Clinic"))
    ShareFactory(
        patient=patient, team=CareTeamFactory(name="Old Practice"), revoked_at=timezone.now()
    )

    body = patient_client.get(reverse("careteam:sharing")).content.decode()

    assert "Stop sharing with Harbour Clinic" in body
    assert "Old Practice" in body
    assert "Stop sharing with Old Practice" not in body


def test_care_team_members_have_no_sharing_page(client, clinician):
    client.force_login(clinician)
    assert client.get(reverse("careteam:sharing")).status_code == 404


def test_the_migration_gives_existing_shares_the_end_of_their_last_day(patient):
    import importlib

    from django.apps import apps

    patient.time_zone = "Asia/Tokyo"
    patient.save(update_fields=["time_zone"])
    share = ShareFactory(patient=patient, expires_on=dt.date(2026, 12, 1))
    Share.objects.filter(pk=share.pk).update(expires_at=None)
    migration = importlib.import_module(
        "careteam.migrations.0004_share_expires_at_patients_midnight"
    )

    migration.end_existing_shares_at_patients_midnight(apps, None)

    share.refresh_from_db()
    assert share.expires_at == dt.datetime(2026, 12, 1, 15, tzinfo=dt.UTC)  # Tokyo's midnight


def test_moving_to_another_time_zone_moves_the_end_of_a_share(patient):
    from accounts.services import profile_update

    share = ShareFactory(patient=patient, expires_on=dt.date(2026, 12, 1))  # London: UTC in winter
    assert share.expires_at == dt.datetime(2026, 12, 2, tzinfo=dt.UTC)

    profile_update(user=patient, changes={"time_zone": "America/New_York"})

    share.refresh_from_db()
    assert share.expires_at == dt.datetime(2026, 12, 2, 5, tzinfo=dt.UTC)  # New York's midnight
