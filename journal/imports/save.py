"""The import itself: a previewed file, with the person's choices, saved in one transaction
through the journal's own services, so every rule of the check-in form holds (the day's reach,
one check-in a day, tags of one's own within the limit) and a session or a score is written as
the app writes one. Nothing is saved unless all of it is.

Importing the same file again creates nothing new: days already here are left alone (or, if
the person chose, overwritten with what is the same), sessions are matched by their start,
scores by their questionnaire and time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Activity, QuestionnaireResponse, SafetyPlan, Signal
from ..questionnaires import score
from ..services import (
    IMPORT_URGENT_DAYS,
    ImportCounts,
    SessionData,
    activity_create,
    checkins_import,
    safety_plan_save,
    treatment_session_save,
)
from ..signals import urgent_signal_record
from .preview import Choices, Parsed, already_imported, planned_days, problems
from .tideline import OwnScore, TidelineFile

# Imported scores get a submission key derived from the patient and the score, so a second
# import of the same file finds the first row by the table's own unique key.
_NAMESPACE = uuid.UUID("0c9f5b4e-8d0e-4c61-a1b9-5a7e3c2d9f10")


class ImportRefused(ValidationError):
    """The choices leave something to settle first (an unmapped mood, bad lines not agreed)."""


@dataclass
class ImportResult:
    counts: ImportCounts
    sessions: int = 0  # added
    scores: int = 0  # added
    safety_plan: bool = False  # brought in
    tags_made: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {**asdict(self), "counts": asdict(self.counts)}

    @classmethod
    def from_json(cls, data: dict) -> ImportResult:
        return cls(**{**data, "counts": ImportCounts(**data["counts"])})


def tags_for_import(*, patient, names: list[str]) -> dict[str, Activity]:
    """The tag for each name: the built-in or own tag of that name (any case), or a new tag of
    the patient's own, within the limit, as the check-in form makes them."""
    return {name: activity_create(patient=patient, name=name) for name in names}


def import_file(
    *, patient, parsed: Parsed, choices: Choices, progress: Callable[[int], None] | None = None
) -> ImportResult:
    """Save `parsed` as the person chose, all or nothing. ImportRefused (a ValidationError with
    the reasons) when the choices leave something to settle; a ValidationError naming the line
    when a record breaks one of the app's rules."""
    refused = problems(patient, parsed, choices)
    if refused:
        raise ImportRefused(refused)
    with transaction.atomic():
        names = sorted({t for t in choices.tags.values() if t.strip()})
        own_before = set(patient.own_activities.values_list("name", flat=True))
        tags = tags_for_import(patient=patient, names=names)
        made = sorted({t.name for t in tags.values() if t.owner_id == patient.pk} - own_before)
        days = planned_days(parsed, choices, tags)
        counts = checkins_import(
            patient=patient, days=days, overwrite=choices.overwrite, progress=progress
        )
        result = ImportResult(counts=counts, tags_made=made)
        if isinstance(parsed, TidelineFile):
            _own_records(patient, parsed, choices, result)
    return result


def _own_records(patient, parsed: TidelineFile, choices: Choices, result: ImportResult) -> None:
    sessions_here, scores_here = already_imported(patient, parsed)
    for s in parsed.sessions:
        if s.started_at in sessions_here:
            continue
        local = s.started_at.astimezone(patient.zoneinfo)
        data = SessionData(
            day=local.date(),
            time=local.time().replace(tzinfo=None),
            kind=s.kind,
            dose=s.dose,
            provider=s.provider,
            intention=s.intention,
            insights=s.insights,
        )
        try:
            treatment_session_save(patient=patient, data=data)
        except ValidationError as error:
            message = " ".join(error.messages)
            raise ValidationError(f"sessions.csv, line {s.line}: {message}") from None
        sessions_here.add(s.started_at)
        result.sessions += 1
    for q in parsed.scores:
        if (q.instrument, q.submitted_at) not in scores_here and _score_import(patient, q):
            scores_here.add((q.instrument, q.submitted_at))
            result.scores += 1
    if parsed.safety_plan is not None:
        plan = SafetyPlan.objects.filter(patient=patient).first()
        if plan is None or plan.is_empty or choices.overwrite:
            safety_plan_save(patient=patient, sections=parsed.safety_plan)
            result.safety_plan = True


def _score_import(patient, q: OwnScore) -> bool:
    """A PHQ-9 or GAD-7 from the file, scored by the app's own rule (the file's total is never
    trusted). True if it was added."""
    try:
        scored = score(q.instrument, q.answers)
    except ValueError as error:
        raise ValidationError(f"questionnaires.csv, line {q.line}: {error}") from None
    key = uuid.uuid5(_NAMESPACE, f"{patient.public_id}:{q.instrument}:{q.submitted_at}")
    response, created = QuestionnaireResponse.objects.get_or_create(
        submission_key=key,
        defaults={
            "patient": patient,
            "instrument": q.instrument,
            "answers": q.answers,
            "total": scored.total,
            "band": scored.band,
            "item9": scored.item9,
            "day": q.day,
            "submitted_at": q.submitted_at,
        },
    )
    # Item 9 above 0 starts the safety flow only for a recent score (services.IMPORT_URGENT_DAYS).
    recent = (patient.today() - q.day) < dt.timedelta(days=IMPORT_URGENT_DAYS)
    if created and scored.item9 and recent:
        urgent_signal_record(
            patient=patient,
            kind=Signal.Kind.URGENT_ITEM9,
            dedupe_key=str(response.pk),
            started_on=response.day,
        )
    return created
