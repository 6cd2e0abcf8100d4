"""The full CSV download: one ZIP, a CSV per table the patient owns, a README naming every
column, formula-safe cells, and row counts equal to the database's."""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from careteam.access import grant_for
from careteam.models import AccessEvent, Share
from journal import measures
from journal.access import Scope
from journal.models import (
    Activity,
    CheckIn,
    Course,
    Medication,
    QuestionnaireResponse,
    SafetyPlan,
    SessionCheck,
    TreatmentSession,
)
from journal.treatment import MedicationData, medication_dose_change, medication_save
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
TABLE_FILES = {
    "checkins.csv",
    "own_tags.csv",
    "sessions.csv",
    "courses.csv",
    "medications.csv",
    "session_checks.csv",
    "questionnaires.csv",
    "safety_plan.csv",
    "shares.csv",
    "access_log.csv",
}


def download_zip(client) -> zipfile.ZipFile:
    response = client.post(reverse("data_export"), {"format": "zip"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].endswith('.zip"')
    assert "no-store" in response["Cache-Control"]
    return zipfile.ZipFile(io.BytesIO(response.content))


def rows_of(archive: zipfile.ZipFile, name: str) -> list[dict]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def a_full_journal(patient, clinician):
    walk = Activity.objects.create(owner=patient, name="Walk by the sea")
    Activity.objects.create(owner=patient, name="Never used")
    first = CheckInFactory(patient=patient, day=DAY, mood=3, note='=HYPERLINK("http://x")')
    first.tags_add(walk, Activity.objects.get(owner=None, name="Time outdoors"))
    CheckInFactory(patient=patient, day=DAY + dt.timedelta(days=1), mood=7, note="-2 today, 'ok'")
    session = TreatmentSessionFactory(patient=patient, intention="Be gentle", dose="0.5 mg/kg")
    SessionCheck.objects.create(
        session=session, patient=patient, moment="evening", felt=7, effects={"headache": 1}
    )
    medication = medication_save(
        patient=patient,
        data=MedicationData("Sertraline", Decimal(50), "mg", "once a day", DAY, None),
    )
    medication_dose_change(
        patient=patient, medication=medication, day=DAY, dose=Decimal(100), unit="mg"
    )
    scored_questionnaire(patient, "phq9", 12, DAY)
    scored_questionnaire(patient, "gad7", 8, DAY)
    SafetyPlan.objects.create(patient=patient, reasons_for_living="My sister")
    share = ShareFactory(patient=patient)
    MembershipFactory(team=share.team, user=clinician)
    grant_for(clinician, patient.public_id, need=Scope.TRENDS, what="trends")
    with pytest.raises(Http404):  # refused (trends only), and logged
        grant_for(clinician, patient.public_id, need=Scope.NOTES, what="notes")


def test_one_csv_per_table_with_as_many_rows_as_the_database_holds(
    reauthenticated_client, patient, other_patient, clinician
):
    a_full_journal(patient, clinician)
    a_full_journal(other_patient, clinician)  # a second patient, in every table too

    archive = download_zip(reauthenticated_client)

    assert set(archive.namelist()) == {"README.txt", *TABLE_FILES}
    counts = {
        "checkins.csv": CheckIn.objects.filter(patient=patient).count(),
        "own_tags.csv": Activity.objects.filter(owner=patient).count(),
        "sessions.csv": TreatmentSession.objects.filter(patient=patient).count(),
        "courses.csv": Course.objects.filter(patient=patient).count(),
        # A start and a dose change of the one medication.
        "medications.csv": 2 * Medication.objects.filter(patient=patient).count(),
        "session_checks.csv": SessionCheck.objects.filter(patient=patient).count(),
        "questionnaires.csv": QuestionnaireResponse.objects.filter(patient=patient).count(),
        "safety_plan.csv": SafetyPlan.objects.filter(patient=patient).count(),
        "shares.csv": Share.objects.filter(patient=patient).count(),
        "access_log.csv": AccessEvent.objects.filter(patient=patient).count(),
    }
    assert counts == {
        "checkins.csv": 2,
        "own_tags.csv": 2,
        "sessions.csv": 1,
        "courses.csv": 1,
        "medications.csv": 2,
        "session_checks.csv": 1,
        "questionnaires.csv": 2,
        "safety_plan.csv": 1,
        "shares.csv": 1,
        "access_log.csv": 2,
    }
    for name, count in counts.items():
        assert len(rows_of(archive, name)) == count, name
    checkins = rows_of(archive, "checkins.csv")
    assert [(r["day"], r["mood"]) for r in checkins] == [("2026-03-02", "3"), ("2026-03-03", "7")]
    assert checkins[0]["activities"] == "Time outdoors; Walk by the sea"
    [phq9] = [r for r in rows_of(archive, "questionnaires.csv") if r["instrument"] == "phq9"]
    answers = QuestionnaireResponse.objects.get(patient=patient, instrument="phq9").answers
    assert [int(phq9[f"item_{n}"]) for n in range(1, 10)] == answers
    [check] = rows_of(archive, "session_checks.csv")
    assert (check["felt"], check["effect_headache"], check["effect_nausea"]) == ("7", "1", "0")
    meds = rows_of(archive, "medications.csv")
    assert [(r["what"], r["dose"]) for r in meds] == [("start", "50.00"), ("change", "100.00")]
    [course] = rows_of(archive, "courses.csv")
    assert (course["course"], course["kind"], course["sessions_done"]) == ("1", "induction", "1")
    assert phq9["total"] == "12"
    [gad7] = [r for r in rows_of(archive, "questionnaires.csv") if r["instrument"] == "gad7"]
    assert gad7["item_8"] == gad7["item_9"] == ""
    assert rows_of(archive, "safety_plan.csv")[0]["reasons_for_living"] == "My sister"
    assert rows_of(archive, "sessions.csv")[0]["dose"] == "0.5 mg/kg"
    assert {r["allowed"] for r in rows_of(archive, "access_log.csv")} == {"yes", "no"}


def test_the_readme_names_every_column_of_every_file(reauthenticated_client, patient, clinician):
    a_full_journal(patient, clinician)

    archive = download_zip(reauthenticated_client)
    readme = archive.read("README.txt").decode()

    for name in TABLE_FILES:
        header = archive.read(name).decode("utf-8-sig").splitlines()[0].split(",")
        assert f"{name}: " in readme
        for column in header:
            assert f"\n  {column}: " in readme, (name, column)
    # Every measure of the registry is a column of the check-ins, explained.
    for m in measures.MEASURES:
        assert f"\n  {m.name}: {m.label}" in readme


def test_a_cell_that_looks_like_a_formula_stays_text(reauthenticated_client, patient, clinician):
    a_full_journal(patient, clinician)

    checkins = rows_of(download_zip(reauthenticated_client), "checkins.csv")

    assert checkins[0]["note"] == '\'=HYPERLINK("http://x")'
    assert checkins[1]["note"] == "'-2 today, 'ok'"


def test_nobody_elses_rows_are_in_it(reauthenticated_client, patient, other_patient):
    CheckInFactory(patient=patient, day=DAY, note="mine")
    CheckInFactory(patient=other_patient, day=DAY, note="not mine")
    TreatmentSessionFactory(patient=other_patient, intention="theirs")
    scored_questionnaire(other_patient, "phq9", 20, DAY)

    archive = download_zip(reauthenticated_client)

    everything = "".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist())
    assert "mine" in everything
    assert "not mine" not in everything and "theirs" not in everything
    assert rows_of(archive, "questionnaires.csv") == []


def test_the_zip_costs_the_same_queries_for_a_week_or_a_year(client):
    counts = []
    for days in (7, 365):
        person = UserFactory()
        daily_history(person, days=days, end=DAY)
        client.force_login(person)
        reauthenticate(client)
        with CaptureQueriesContext(connection) as captured:
            download_zip(client)
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 20, counts
