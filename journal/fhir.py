"""The FHIR R4 (4.0.1) download: a Bundle of type "collection" a patient can hand to a clinic.

What goes in, and how each thing is coded (honestly: a LOINC code only where it means exactly
what we asked; otherwise our own code system, named by this deployment's address, with words):
- a Patient with no more identity than the account holds (the name to show, the email);
- each PHQ-9 and GAD-7 as a QuestionnaireResponse (the LOINC panel 44249-1 / 69737-5 as its
  questionnaire, each item by its LOINC code with its LOINC answer code LA6568-5 ... LA6571-9)
  and its total as an Observation (LOINC 44261-6 / 70274-6), derived from the response;
- each day's check-in, one Observation per measure answered (the registry, journal.measures,
  says which have a LOINC code: sleep duration 93832-4; mood and the other 0-10 scales are our
  own codes);
- treatment sessions as Procedures coded by our own session kinds.
Notes (daily notes, session intentions and insights) go in only if the patient asks.

`SECTIONS` is the one list of what the Bundle holds; a new kind of record (medications as
MedicationStatement) adds a builder there. Resources get stable ids (a UUID derived from the
patient's random public id and the record), so a second download names the same things alike.
Tests validate every resource, and the Bundle, with the `fhir.resources` R4 models.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from . import measures
from .access import EVERYTHING, Grant
from .models import CheckIn, Medication, QuestionnaireResponse, TreatmentSession
from .questionnaires import ANSWER_CHOICES, ANSWER_LOINC, SPECS, band

FHIR_VERSION = "4.0.1"
CONTENT_TYPE = "application/fhir+json; charset=utf-8"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_NAMESPACE = uuid.UUID("6f0f4f7e-3c55-4d3e-9a53-2f1f3f0c7a11")  # ours: ids derive from it

# LOINC's own names for the codes we use.
PANEL_DISPLAY = {
    "phq9": "PHQ-9 quick depression assessment panel [Reported.PHQ]",
    "gad7": "Generalized anxiety disorder 7 item (GAD-7)",
}
TOTAL_DISPLAY = {
    "phq9": "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
    "gad7": "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]",
}
ANSWER_WORDS = dict(ANSWER_CHOICES)


def code_system(name: str) -> str:
    """Our own code system for what no standard code means exactly: this deployment's
    address, so a reader can tell whose codes they are."""
    return f"{settings.SITE_URL}/fhir/CodeSystem/{name}"


@dataclass(frozen=True)
class Context:
    patient: Any
    patient_ref: dict
    include_notes: bool
    now: dt.datetime

    def resource_id(self, *parts: object) -> str:
        return str(uuid.uuid5(_NAMESPACE, ":".join(map(str, (self.patient.public_id, *parts)))))


def _survey() -> list[dict]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}]


def patient_resource(ctx: Context) -> dict:
    patient = ctx.patient
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": ctx.resource_id("patient"),
        "active": True,
        "telecom": [{"system": "email", "value": patient.email, "use": "home"}],
    }
    if patient.display_name:
        resource["name"] = [{"text": patient.display_name}]
    return resource


def questionnaire_resources(ctx: Context) -> list[dict]:
    out = []
    rows = QuestionnaireResponse.objects.for_patient(ctx.patient).order_by("submitted_at", "pk")
    for q in rows:
        spec = SPECS[q.instrument]
        response_id = ctx.resource_id("questionnaire", q.pk)
        out.append(
            {
                "resourceType": "QuestionnaireResponse",
                "id": response_id,
                "questionnaire": f"{LOINC}/q/{spec.panel_loinc}",
                "status": "completed",
                "subject": ctx.patient_ref,
                "authored": q.submitted_at.isoformat(),
                "item": [
                    {
                        "linkId": code,
                        "text": text,
                        "answer": [
                            {
                                "valueCoding": {
                                    "system": LOINC,
                                    "code": ANSWER_LOINC[answer],
                                    "display": ANSWER_WORDS[answer],
                                }
                            }
                        ],
                    }
                    for code, text, answer in zip(
                        spec.item_loinc, spec.items, q.answers, strict=True
                    )
                ],
            }
        )
        out.append(
            {
                "resourceType": "Observation",
                "id": ctx.resource_id("questionnaire-total", q.pk),
                "status": "final",
                "category": _survey(),
                "code": {
                    "coding": [
                        {
                            "system": LOINC,
                            "code": spec.total_loinc,
                            "display": TOTAL_DISPLAY[q.instrument],
                        }
                    ],
                    "text": f"{spec.title} total score",
                },
                "subject": ctx.patient_ref,
                "effectiveDateTime": q.submitted_at.isoformat(),
                "valueQuantity": {
                    "value": q.total,
                    "unit": "{score}",
                    "system": UCUM,
                    "code": "{score}",
                },
                # The band worked out from the total by the same rule the app shows.
                "interpretation": [{"text": band(q.instrument, q.total)}],
                "derivedFrom": [{"reference": f"urn:uuid:{response_id}"}],
            }
        )
    return out


def _measure_code(m: measures.Measure) -> dict:
    if m.loinc:
        code, display = m.loinc
        return {"coding": [{"system": LOINC, "code": code, "display": display}], "text": m.label}
    return {
        "coding": [{"system": code_system("check-in"), "code": m.name, "display": m.label}],
        "text": m.label,
    }


def _measure_value(m: measures.Measure, value: Any) -> dict:
    if m.kind is measures.Kind.HOURS:
        return {"valueQuantity": {"value": float(value), "unit": "h", "system": UCUM, "code": "h"}}
    if m.kind is measures.Kind.CHOICE:
        words = dict(m.choices)[value]
        coding = {"system": code_system(m.name), "code": value, "display": words}
        return {"valueCodeableConcept": {"coding": [coding], "text": words}}
    return {"valueInteger": int(value)}


def checkin_resources(ctx: Context) -> list[dict]:
    """One Observation per measure answered on each day, in the registry's order."""
    fields = ["day", *measures.NAMES] + (["note"] if ctx.include_notes else [])
    out = []
    for row in CheckIn.objects.for_patient(ctx.patient).order_by("day").values(*fields):
        day = row["day"]
        for m in measures.MEASURES:
            value = row[m.name]
            if value is None or value == "":
                continue
            observation = {
                "resourceType": "Observation",
                "id": ctx.resource_id("check-in", day.isoformat(), m.name),
                "status": "final",
                "category": _survey(),
                "code": _measure_code(m),
                "subject": ctx.patient_ref,
                # The patient's own calendar day: a check-in is about a day, not a moment.
                "effectiveDateTime": day.isoformat(),
                **_measure_value(m, value),
            }
            if m is measures.MOOD and ctx.include_notes and row["note"]:
                observation["note"] = [{"text": row["note"]}]
            out.append(observation)
    return out


def session_resources(ctx: Context) -> list[dict]:
    out = []
    rows = TreatmentSession.objects.for_patient(ctx.patient).order_by("started_at", "pk")
    for s in rows:
        kind = TreatmentSession.Kind(s.kind)
        notes = [f"Dose: {s.dose}"] if s.dose else []
        if ctx.include_notes:
            notes += [f"Intention: {s.intention}"] if s.intention else []
            notes += [f"Insights: {s.insights}"] if s.insights else []
        procedure: dict[str, Any] = {
            "resourceType": "Procedure",
            "id": ctx.resource_id("session", s.pk),
            # A session booked ahead has not happened yet.
            "status": "completed" if s.started_at <= ctx.now else "preparation",
            "code": {
                "coding": [
                    {"system": code_system("session-kind"), "code": s.kind, "display": kind.label}
                ],
                "text": f"Treatment session: {kind.label}",
            },
            "subject": ctx.patient_ref,
            "performedDateTime": s.started_at.isoformat(),
        }
        if s.provider:
            procedure["performer"] = [{"actor": {"display": s.provider}}]
        if notes:
            procedure["note"] = [{"text": text} for text in notes]
        out.append(procedure)
    return out


def medication_resources(ctx: Context) -> list[dict]:
    """One MedicationStatement per dosing period of each medication: from its start to the
    first dose change, from each change to the next, the last to its stop (or still going).
    The medication is text only: names are as the patient typed them, not coded."""
    out = []
    rows = (
        Medication.objects.for_patient(ctx.patient)
        .order_by("started_on", "pk")
        .prefetch_related("changes")
    )
    for m in rows:
        periods = [(m.started_on, m.dose, m.unit)]
        periods += [(c.day, c.dose, c.unit) for c in m.changes.all()]
        for n, (start, dose, unit) in enumerate(periods):
            end = periods[n + 1][0] if n + 1 < len(periods) else m.stopped_on
            statement: dict[str, Any] = {
                "resourceType": "MedicationStatement",
                "id": ctx.resource_id("medication", f"{m.pk}-{n}"),
                "status": "active" if end is None else "completed",
                "medicationCodeableConcept": {"text": m.name},
                "subject": ctx.patient_ref,
                "effectivePeriod": {
                    "start": start.isoformat(),
                    **({"end": end.isoformat()} if end is not None else {}),
                },
            }
            words = " ".join(
                w for w in (f"{dose.normalize():f}" if dose else "", unit, m.how_often) if w
            )
            if words:
                statement["dosage"] = [{"text": words}]
            out.append(statement)
    return out


# What the Bundle holds after the Patient, in order. Add a builder for a new kind of record.
SECTIONS: list[Callable[[Context], list[dict]]] = [
    questionnaire_resources,
    checkin_resources,
    session_resources,
    medication_resources,
]


def patient_bundle(grant: Grant, *, include_notes: bool = False) -> dict:
    """The patient's Bundle, as JSON-ready values, in a fixed number of queries. Only ever the
    patient's own."""
    if not grant.is_own:
        raise PermissionError("only a patient exports their own journal")
    grant.require(EVERYTHING)
    now = timezone.now()
    patient = grant.patient
    probe = Context(patient, {}, include_notes, now)
    patient_id = probe.resource_id("patient")
    ctx = Context(patient, {"reference": f"urn:uuid:{patient_id}"}, include_notes, now)
    resources = [patient_resource(ctx)]
    for section in SECTIONS:
        resources += section(ctx)
    return {
        "resourceType": "Bundle",
        "id": ctx.resource_id("bundle", now.isoformat()),
        "meta": {"lastUpdated": now.isoformat()},
        "type": "collection",
        "timestamp": now.isoformat(),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def export_fhir(grant: Grant, *, include_notes: bool = False) -> str:
    return json.dumps(patient_bundle(grant, include_notes=include_notes), ensure_ascii=False)
