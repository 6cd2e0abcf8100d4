"""Questionnaires the clinic schedules: a team sets, on its share with a patient, how often the
PHQ-9 and GAD-7 are asked (every N days instead of Tideline's default, and/or before each
booked session). The home page and the reminder read it through `journal.care`
(`wiring.questionnaire_rhythms`); where several teams set one, the most frequent wins."""

from django.db import transaction

from journal.access import Grant, Scope
from journal.models import Instrument

from .access import shares_visible_to
from .models import QuestionnaireRhythm

# The longest a team may space a questionnaire out: about three months.
RHYTHM_MAX_DAYS = 90


def team_rhythms(*, grant: Grant) -> dict[str, QuestionnaireRhythm]:
    """The rhythms the viewer's teams set for this patient, by instrument (one query)."""
    rows = QuestionnaireRhythm.objects.filter(
        share__in=shares_visible_to(grant.viewer)
        .filter(patient=grant.patient)
        .covering(Scope.TRENDS)
    ).order_by("every_days")
    found: dict[str, QuestionnaireRhythm] = {}
    for row in rows:
        found.setdefault(row.instrument, row)
    return found


@transaction.atomic
def rhythm_set(
    *, grant: Grant, instrument: str, every_days: int | None, before_session: bool
) -> None:
    """Set (or, with neither, clear back to Tideline's default) the rhythm of one
    questionnaire on each active trends share the viewer's teams hold with the patient.
    Setting the same twice changes nothing (a double submit is safe)."""
    shares = list(
        shares_visible_to(grant.viewer).filter(patient=grant.patient).covering(Scope.TRENDS)
    )
    Instrument(instrument)  # a ValueError for anything else: the form only offers these
    for share in shares:
        if every_days is None and not before_session:
            QuestionnaireRhythm.objects.filter(share=share, instrument=instrument).delete()
            continue
        QuestionnaireRhythm.objects.update_or_create(
            share=share,
            instrument=instrument,
            defaults={
                "every_days": every_days,
                "before_session": before_session,
                "set_by": grant.viewer,
            },
        )
