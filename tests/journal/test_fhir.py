"""The FHIR R4 download, validated resource by resource and as a whole with the fhir.resources
R4 (4.0.1) models, and read back through those models, never by comparing strings."""

import datetime as dt
import json
from decimal import Decimal

import fhir.resources
import pytest
from django.urls import reverse
from fhir.resources import construct_fhir_element
from fhir.resources.bundle import Bundle
from pydantic import ValidationError

from journal import measures
from journal.access import EVERYTHING, Grant
from journal.fhir import LOINC, code_system, patient_bundle
from journal.models import Medication, MedicationChange, QuestionnaireResponse
from journal.questionnaires import GAD7, PHQ9
from tests.factories import (
    CheckInFactory,
    TreatmentSessionFactory,
    UserFactory,
    daily_history,
    scored_questionnaire,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


def own(patient) -> Grant:
    return Grant(patient=patient, scope=EVERYTHING, viewer=patient)


def validated(bundle: dict):
    """Every resource on its own, then the Bundle as a whole, through the R4 models."""
    assert fhir.resources.__fhir_version__ == "4.0.1"
    models = [
        construct_fhir_element(entry["resource"]["resourceType"], entry["resource"])
        for entry in bundle["entry"]
    ]
    return Bundle.parse_obj(bundle), models


def by_type(models, name):
    return [m for m in models if m.resource_type == name]


def codes(concept) -> set[tuple[str, str]]:
    return {(c.system, c.code) for c in concept.coding}


@pytest.fixture
def journal(patient, other_patient):
    CheckInFactory(
        patient=patient,
        day=DAY,
        mood=3,
        energy=None,
        sleep_hours=Decimal("6.5"),
        appetite="less",
        sleep_quality=2,
        note="A grey one.",
    )
    CheckInFactory(
        patient=patient, day=DAY + dt.timedelta(days=1), mood=8, energy=7, sleep_hours=None
    )
    TreatmentSessionFactory(
        patient=patient,
        dose="0.5 mg/kg",
        provider="Harbour Clinic",
        intention="Be gentle with myself",
    )
    scored_questionnaire(patient, "phq9", 14, DAY)
    scored_questionnaire(patient, "gad7", 9, DAY)
    sertraline = Medication.objects.create(
        patient=patient,
        name="Sertraline",
        dose=Decimal(50),
        unit="mg",
        how_often="once a day",
        started_on=DAY - dt.timedelta(days=90),
    )
    MedicationChange.objects.create(medication=sertraline, day=DAY, dose=Decimal(100), unit="mg")
    # A second patient with data on the same days: none of it may appear.
    CheckInFactory(patient=other_patient, day=DAY, mood=1, note="not mine")
    scored_questionnaire(other_patient, "phq9", 27, DAY)
    return patient


def test_the_bundle_and_every_resource_in_it_validate_as_fhir_r4(journal):
    bundle, models = validated(patient_bundle(own(journal)))

    assert bundle.type == "collection"
    assert {m.resource_type for m in models} == {
        "Patient",
        "QuestionnaireResponse",
        "Observation",
        "Procedure",
        "MedicationStatement",
    }
    # One statement per dosing period: 50 mg until the change, 100 mg since.
    statements = by_type(models, "MedicationStatement")
    assert [(st.status, st.dosage[0].text) for st in statements] == [
        ("completed", "50 mg once a day"),
        ("active", "100 mg once a day"),
    ]
    assert str(statements[0].effectivePeriod.end) == DAY.isoformat()
    # Every reference points at an entry of the Bundle.
    full_urls = {e.fullUrl for e in bundle.entry}
    for m in models:
        for ref in [getattr(m, "subject", None), *list(getattr(m, "derivedFrom", None) or [])]:
            if ref is not None:
                assert ref.reference in full_urls


def test_the_validator_refuses_what_is_not_fhir(journal):
    """The check above can fail: a resource missing a required element is refused."""
    raw = patient_bundle(own(journal))
    observation = next(e for e in raw["entry"] if e["resource"]["resourceType"] == "Observation")
    del observation["resource"]["status"]
    with pytest.raises(ValidationError):
        validated(raw)


def test_the_patient_holds_no_more_identity_than_the_account(journal):
    _, models = validated(patient_bundle(own(journal)))

    [person] = by_type(models, "Patient")
    assert person.name[0].text == journal.display_name
    assert [(t.system, t.value) for t in person.telecom] == [("email", journal.email)]
    assert person.birthDate is None and person.gender is None and person.address is None
    assert person.identifier is None


def test_questionnaires_carry_their_loinc_panel_items_answers_and_total(journal):
    _, models = validated(patient_bundle(own(journal)))

    responses = {r.questionnaire: r for r in by_type(models, "QuestionnaireResponse")}
    assert set(responses) == {f"{LOINC}/q/44249-1", f"{LOINC}/q/69737-5"}
    for spec, panel in ((PHQ9, "44249-1"), (GAD7, "69737-5")):
        stored = QuestionnaireResponse.objects.get(patient=journal, instrument=spec.instrument)
        response = responses[f"{LOINC}/q/{panel}"]
        assert [item.linkId for item in response.item] == list(spec.item_loinc)
        answer_codes = [item.answer[0].valueCoding.code for item in response.item]
        loinc_of = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}
        assert answer_codes == [loinc_of[a] for a in stored.answers]
        assert {item.answer[0].valueCoding.system for item in response.item} == {LOINC}
    totals = {
        next(iter(codes(o.code)))[1]: o
        for o in by_type(models, "Observation")
        if (LOINC, "44261-6") in codes(o.code) or (LOINC, "70274-6") in codes(o.code)
    }
    assert totals["44261-6"].valueQuantity.value == 14
    assert totals["70274-6"].valueQuantity.value == 9
    assert totals["44261-6"].interpretation[0].text == "moderate"
    phq9_url = next(
        e.fullUrl
        for e in validated(patient_bundle(own(journal)))[0].entry
        if e.resource.resource_type == "QuestionnaireResponse"
        and e.resource.questionnaire.endswith("44249-1")
    )
    assert totals["44261-6"].derivedFrom[0].reference == phq9_url


def test_each_answered_measure_of_each_day_is_an_observation_with_an_honest_code(journal):
    _, models = validated(patient_bundle(own(journal)))

    daily = [
        o
        for o in by_type(models, "Observation")
        if o.effectiveDateTime is not None and len(str(o.effectiveDateTime)) == 10
    ]
    by_day_and_code = {(str(o.effectiveDateTime), next(iter(codes(o.code)))): o for o in daily}
    own_codes = code_system("check-in")
    mood = by_day_and_code[("2026-03-02", (own_codes, "mood"))]
    assert mood.valueInteger == 3 and mood.code.coding[0].display == measures.MOOD.label
    assert by_day_and_code[("2026-03-03", (own_codes, "mood"))].valueInteger == 8
    sleep = by_day_and_code[("2026-03-02", (LOINC, "93832-4"))]
    assert (float(sleep.valueQuantity.value), sleep.valueQuantity.code) == (6.5, "h")
    appetite = by_day_and_code[("2026-03-02", (own_codes, "appetite"))]
    assert appetite.valueCodeableConcept.coding[0].code == "less"
    assert by_day_and_code[("2026-03-02", (own_codes, "sleep_quality"))].valueInteger == 2
    # Not answered: no observation (energy on the 2nd, sleep on the 3rd).
    assert ("2026-03-02", (own_codes, "energy")) not in by_day_and_code
    assert ("2026-03-03", (LOINC, "93832-4")) not in by_day_and_code
    assert by_day_and_code[("2026-03-03", (own_codes, "energy"))].valueInteger == 7
    assert not any(o.valueInteger == 1 for o in daily)  # the other patient's mood


def test_sessions_are_procedures_and_notes_go_in_only_when_asked(journal):
    _, plain = validated(patient_bundle(own(journal)))
    _, with_notes = validated(patient_bundle(own(journal), include_notes=True))

    [session] = by_type(plain, "Procedure")
    assert codes(session.code) == {(code_system("session-kind"), "iv")}
    assert session.status == "completed"
    assert session.performer[0].actor.display == "Harbour Clinic"
    assert [n.text for n in session.note] == ["Dose: 0.5 mg/kg"]
    assert all(o.note is None for o in by_type(plain, "Observation"))

    [session] = by_type(with_notes, "Procedure")
    assert "Intention: Be gentle with myself" in [n.text for n in session.note]
    noted = [o for o in by_type(with_notes, "Observation") if o.note]
    assert [n.text for o in noted for n in o.note] == ["A grey one."]


def test_the_download_page_hands_over_the_fhir_file(reauthenticated_client, journal):
    response = reauthenticated_client.post(reverse("data_export"), {"format": "fhir"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    assert response["Content-Disposition"].endswith('.fhir.json"')
    _bundle, models = validated(json.loads(response.content))
    assert len(by_type(models, "QuestionnaireResponse")) == 2
    assert "not mine" not in response.content.decode()


def test_the_bundle_costs_the_same_queries_for_a_week_or_a_year(django_assert_max_num_queries):
    sizes = []
    for days in (7, 365):
        person = UserFactory()
        daily_history(person, days=days, end=DAY, energy=5)
        # One per section; medications two (the dose changes are prefetched, when there are
        # medications at all).
        with django_assert_max_num_queries(5):
            bundle = patient_bundle(own(person))
        sizes.append(len(bundle["entry"]))
    assert sizes == [1 + 7 * 2, 1 + 365 * 2]
