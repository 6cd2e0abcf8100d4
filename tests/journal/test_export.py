import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from careteam.access import grant_for
from journal.access import Scope
from tests.factories import (
    CheckInFactory,
    MembershipFactory,
    ShareFactory,
    TreatmentSessionFactory,
    UserFactory,
    daily_history,
    reauthenticate,
    scored_questionnaire,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


def download(client, fmt):
    return client.post(reverse("data_export"), {"format": fmt})


def test_everything_a_patient_wrote_comes_back_in_the_json(
    reauthenticated_client, patient, clinician
):
    from careteam.models import ContactDetails
    from journal.models import Activity, SafetyPlan

    walk = Activity.objects.create(owner=patient, name="Walk by the sea")
    checkin = CheckInFactory(
        patient=patient, day=DAY, mood=3, sleep_hours=Decimal("6.5"), note="A grey one."
    )
    checkin.tags_add(walk)
    TreatmentSessionFactory(patient=patient, intention="Be gentle with myself")
    scored_questionnaire(patient, "phq9", 12, DAY)
    SafetyPlan.objects.create(patient=patient, reasons_for_living="My sister")
    ContactDetails.objects.create(patient=patient, phone="07700 900123")
    share = ShareFactory(patient=patient)
    MembershipFactory(team=share.team, user=clinician)
    grant_for(clinician, patient.public_id, need=Scope.TRENDS, what="trends")

    response = download(reauthenticated_client, "json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="tideline-')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == patient.email
    [day] = data["check_ins"]
    assert (day["day"], day["mood"], day["sleep_hours"], day["note"]) == (
        "2026-03-02",
        3,
        "6.5",
        "A grey one.",
    )
    assert day["activities"] == ["Walk by the sea"]
    assert data["own_activities"] == ["Walk by the sea"]
    assert data["treatment_sessions"][0]["intention"] == "Be gentle with myself"
    assert [(q["instrument"], q["total"]) for q in data["questionnaires"]] == [("phq9", 12)]
    assert data["safety_plan"]["reasons_for_living"] == "My sister"
    assert data["shares"][0]["team"] == share.team.name
    assert data["how_my_team_can_reach_me"][0]["phone"] == "07700 900123"
    [look] = data["who_viewed_my_data"]
    assert clinician.email in look["who"] and look["allowed"] is True


def test_nobody_elses_data_is_in_it(reauthenticated_client, patient, other_patient):
    CheckInFactory(patient=patient, day=DAY, note="mine")
    CheckInFactory(patient=other_patient, day=DAY, note="not mine")
    scored_questionnaire(other_patient, "gad7", 9, DAY)

    data = json.loads(download(reauthenticated_client, "json").content)

    assert [c["note"] for c in data["check_ins"]] == ["mine"]
    assert data["questionnaires"] == []
    assert "not mine" not in download(reauthenticated_client, "csv").content.decode()


def test_the_csv_has_one_row_a_day_and_a_note_cannot_run_as_a_formula(
    reauthenticated_client, patient
):
    from journal.models import Activity

    rest = Activity.objects.create(owner=patient, name="Rest")
    first = CheckInFactory(patient=patient, day=DAY, mood=4, note='=HYPERLINK("http://x")')
    first.tags_add(rest, Activity.objects.get(owner=None, name="Time outdoors"))
    CheckInFactory(patient=patient, day=DAY + dt.timedelta(days=1), mood=7, note="better, 2nd")

    response = download(reauthenticated_client, "csv")

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["day"], r["mood"]) for r in rows] == [("2026-03-02", "4"), ("2026-03-03", "7")]
    assert rows[0]["note"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["activities"] == "Rest; Time outdoors"
    assert rows[1]["note"] == "better, 2nd"


def test_the_download_costs_the_same_queries_for_a_week_or_a_year(client):
    counts = []
    for days in (7, 365):
        person = UserFactory()
        daily_history(person, days=days, end=DAY)
        client.force_login(person)
        reauthenticate(client)
        with CaptureQueriesContext(connection) as captured:
            assert download(client, "json").status_code == 200
            assert download(client, "csv").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 24, counts


def test_an_unknown_format_gets_a_clear_message_not_an_error(reauthenticated_client):
    response = reauthenticated_client.post(reverse("data_export"), {"format": "xlsx"})

    assert response.status_code == 400
    assert "Choose one of the downloads" in response.content.decode()


def test_the_page_offers_both_downloads_and_settings_links_to_it(reauthenticated_client):
    page = reauthenticated_client.get(reverse("data_export")).content.decode()
    assert "Download everything (JSON)" in page and "Download check-ins (CSV)" in page
    settings_page = reauthenticated_client.get(reverse("profile_settings")).content.decode()
    assert reverse("data_export") in settings_page


def test_the_password_is_asked_again_first_and_the_download_then_goes_ahead(client, patient):
    CheckInFactory(patient=patient, day=DAY, note="mine")
    client.force_login(patient)

    first = download(client, "csv")
    assert first.status_code == 302
    assert reverse("account_reauthenticate") in first["Location"]

    reauthenticate(client)
    assert "mine" in download(client, "csv").content.decode()


def test_care_team_members_have_no_journal_to_download(client, clinician):
    client.force_login(clinician)
    reauthenticate(client)
    assert client.get(reverse("data_export")).status_code == 404
    assert download(client, "json").status_code == 404


def test_it_needs_a_login(client):
    response = download(client, "json")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
