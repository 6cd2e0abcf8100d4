"""Clinic entries (Scope.CLINIC_ENTRIES): a care-team member enters the after-session
self-check for a patient who allows it, at the clinic. Every entry is marked as the team's
(member and team name on the row) and each look or save goes through access.grant_for, so it is
on the patient's access log. The check's own rules (ratings, blood pressure, one per moment,
neither side overwriting the other) are journal.treatment.session_check_save's."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from journal.access import Grant, Scope
from journal.after_session import Effects
from journal.models import SessionCheck, TreatmentSession
from journal.treatment import SessionCheckData, session_check_save

from .access import shares_visible_to

# The sessions the team's page lists: the latest few are the ones a clinic enters checks for.
RECENT_SESSIONS = 10


def recent_sessions(*, grant: Grant) -> list[TreatmentSession]:
    """The patient's latest sessions, newest first, each with its checks (`.checks.all()`),
    in two queries."""
    grant.require(Scope.CLINIC_ENTRIES)
    return list(
        TreatmentSession.objects.for_patient(grant.patient)
        .order_by("-started_at")
        .prefetch_related(Prefetch("checks", SessionCheck.objects.order_by("moment")))[
            :RECENT_SESSIONS
        ]
    )


def session_of(*, grant: Grant, pk: int) -> TreatmentSession:
    grant.require(Scope.CLINIC_ENTRIES)
    return get_object_or_404(TreatmentSession.objects.for_patient(grant.patient), pk=pk)


def clinic_check_save(
    *, grant: Grant, session: TreatmentSession, data: SessionCheckData
) -> tuple[SessionCheck, list[str]]:
    """The team's entry of one check for the grant's patient, marked with the member and the
    first of their teams (by name) the patient allows clinic entries to. Returns the check and
    the words of the effects rated severe."""
    grant.require(Scope.CLINIC_ENTRIES)
    share = (
        shares_visible_to(grant.viewer)
        .covering(Scope.CLINIC_ENTRIES)
        .filter(patient=grant.patient)
        .select_related("team")
        .order_by("team__name")
        .first()
    )
    if share is None:  # the share ended between the door and here
        raise ValidationError("This patient no longer allows your team to enter checks.")
    check = session_check_save(
        patient=grant.patient,
        session=session,
        data=data,
        entered_by=grant.viewer,
        team_name=share.team.name,
    )
    return check, Effects(check.effects).severe()
