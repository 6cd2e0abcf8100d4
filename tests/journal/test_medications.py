"""Medications: the patient's list with each dose change, as markers on the charts and rows
in the download; only ever the patient's own."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from journal.models import Medication, MedicationChange
from journal.treatment import MedicationData, medication_dose_change, medication_save
from tests.factories import daily_history

pytestmark = pytest.mark.django_db


def add(patient, name="Sertraline", days_ago=60, **fields) -> Medication:
    data = {
        "name": name,
        "dose": Decimal(50),
        "unit": "mg",
        "how_often": "once a day",
        "started_on": patient.today() - dt.timedelta(days=days_ago),
        "stopped_on": None,
        **fields,
    }
    return medication_save(patient=patient, data=MedicationData(**data))


def test_a_patient_lists_a_medication_and_changes_its_dose(patient_client, patient, other_patient):
    theirs = add(other_patient, name="Theirs")
    response = patient_client.post(
        reverse("medication_add"),
        {
            "name": "Sertraline",
            "dose": "50",
            "unit": "mg",
            "how_often": "once a day",
            "started_on": (patient.today() - dt.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    mine = Medication.objects.get(patient=patient)
    response = patient_client.post(
        reverse("medication_edit", args=[mine.pk]),
        {
            "change_dose": "1",
            "change-day": patient.today().isoformat(),
            "change-dose": "100",
            "change-unit": "",
        },
    )
    assert response.status_code == 302
    change = MedicationChange.objects.get(medication=mine)
    assert (change.dose, change.unit) == (Decimal(100), "mg")  # the medication's unit
    page = patient_client.get(reverse("medications")).content.decode()
    assert "Sertraline" in page and "100 mg" in page and "Theirs" not in page
    assert patient_client.get(reverse("medication_edit", args=[theirs.pk])).status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"dose": "0"}, "Please enter a dose above 0."),
        ({"dose": "lots"}, "Please enter the dose as a number"),
        ({"started_on": "2099-01-01"}, "Please choose a start date of today or earlier."),
        ({"stopped_on": "2020-01-01"}, "The stop date can&#x27;t come before the start date."),
        ({"name": ""}, "This field is required"),
    ],
)
def test_bad_medication_input_gets_a_clear_message(patient_client, patient, fields, message):
    data = {
        "name": "Sertraline",
        "dose": "50",
        "unit": "mg",
        "started_on": (patient.today() - dt.timedelta(days=3)).isoformat(),
        **fields,
    }
    response = patient_client.post(reverse("medication_add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Medication.objects.exists()


def test_a_dose_change_must_fall_while_the_medication_was_taken(patient):
    medication = add(patient, days_ago=30, stopped_on=patient.today() - dt.timedelta(days=10))
    for day in (patient.today() - dt.timedelta(days=31), patient.today() - dt.timedelta(days=9)):
        with pytest.raises(ValidationError):
            medication_dose_change(
                patient=patient, medication=medication, day=day, dose=Decimal(1), unit="mg"
            )
    medication_dose_change(
        patient=patient,
        medication=medication,
        day=patient.today() - dt.timedelta(days=10),
        dose=Decimal(25),
        unit="mg",
    )
    assert medication.changes.count() == 1


def test_the_same_day_twice_keeps_one_change(patient):
    medication = add(patient)
    for dose in (75, 100):
        medication_dose_change(
            patient=patient,
            medication=medication,
            day=patient.today(),
            dose=Decimal(dose),
            unit="mg",
        )
    assert [c.dose for c in medication.changes.all()] == [Decimal(100)]


def test_someone_elses_medication_is_refused(patient, other_patient):
    theirs = add(other_patient)
    with pytest.raises(ValidationError):
        medication_dose_change(
            patient=patient, medication=theirs, day=patient.today(), dose=Decimal(1), unit="mg"
        )


def test_starts_changes_and_stops_are_markers_on_every_time_chart(patient_client, patient):
    daily_history(patient, days=40, end=patient.today() - dt.timedelta(days=1))
    medication = add(patient, name="<b>Lith</b> & co", days_ago=20)
    medication_dose_change(
        patient=patient,
        medication=medication,
        day=patient.today() - dt.timedelta(days=5),
        dose=Decimal("0.5"),
        unit="g",
    )
    html = patient_client.get("/trends/?range=30d").content.decode()
    blocks = dict(
        re.findall(
            r'<script id="(chart-[\w-]+-data)" type="application/json">(.*?)</script>', html, re.S
        )
    )
    mood = json.loads(blocks["chart-mood-data"])
    [markers] = [t for t in mood["data"] if t.get("name") == "Medication change"]
    assert markers["text"] == [
        "Started &lt;b&gt;Lith&lt;/b&gt; &amp; co 50 mg",
        "&lt;b&gt;Lith&lt;/b&gt; &amp; co: new dose 0.5 g",
    ]
    assert "Medication changes in this range" in html
    assert "&lt;b&gt;Lith&lt;/b&gt; &amp;amp; co: new dose 0.5 g" not in html  # escaped once
    assert "&lt;b&gt;Lith&lt;/b&gt; &amp; co: new dose 0.5 g" in html
