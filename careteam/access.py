"""The one door to a patient's data: who may see which patient's journal, in what scope, now.

Every view that shows patient data, the patient's own pages included, gets a `journal.access.Grant`
from `grant_for` (the journal reaches it through `journal.care`, installed at start-up). It
grants the patient everything of their own; a care-team member what the patient's active shares
with their teams allow (one `Scope` value: the union of those shares); anyone else nothing. It
logs every look by someone other than the patient, allowed or refused, and raises Http404 for a
refusal, so "not yours" and "doesn't exist" look the same.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from uuid import UUID

from django.db import connection
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from journal.access import EVERYTHING, Grant, Scope

from .models import AccessEvent, Share

# What a look was at, in the words the patient reads on "Who viewed my data", in the order a
# day's line lists them. Views pass the key as `what`; a key not listed here is shown as it is
# line by line, and counted as "other" on a day's line.
OTHER = "other"
WHAT_LABELS = {
    "dashboard": "your summary (scores, mood line, warning signs) on their dashboard",
    "caseload": "your course numbers, counted in their team's caseload figures",
    "trends": "your check-in numbers, questionnaires and sessions",
    "charts": "your charts",
    "notes": "your daily notes and session insights",
    "report": "an appointment report you shared",
    "signal_ack": "a warning sign, to mark it as seen",
    "contact": "how to reach you (the phone number or email you shared)",
    "outreach": "your page, to record that they reached out to you",
    "safety_plan": "your safety plan",
    "plan_suggestion": "your safety plan, to suggest an addition",
    "clinic_entries": "your recent sessions and after-session checks, to enter one for you",
    "clinic_entry": "an after-session check, to enter it for you",
    "questionnaire_rhythm": "your questionnaires, to set how often they ask for them",
    OTHER: "other parts of your journal",
}


def what_label(what: str) -> str:
    return WHAT_LABELS.get(what, what)


def shares_visible_to(viewer: User):
    """Active shares with any team `viewer` belongs to (a patient may appear more than once)."""
    return Share.objects.active().filter(team__memberships__user=viewer)


def _shared_scope(viewer, patient_id: int) -> tuple[Scope, dt.datetime | None]:
    """What `viewer`'s teams may see of `patient_id` now, and until when: the union of the
    active shares (one query). Nothing for anyone who is not an active care-team member."""
    if not viewer.is_authenticated or not viewer.is_active or not viewer.is_care_member:
        return Scope(0), None
    rows = list(
        shares_visible_to(viewer).filter(patient_id=patient_id).values_list("scope", "expires_at")
    )
    scope = functools.reduce(operator.or_, (Scope(s) for s, _ in rows), Scope(0))
    ends = [end for _, end in rows]
    until = None if not ends or None in ends else max(ends)
    return scope, until


def grant_for(viewer, public_id: UUID, *, need: Scope, what: str) -> Grant:
    """The grant for `viewer` to see `need` of the journal of the patient whose public id is
    `public_id`, now; Http404 otherwise. Logs the look, allowed or refused, when the viewer is
    not the patient. Patients are named by a random public id, never their primary key, so
    nobody can walk the ids."""
    if viewer.is_authenticated and viewer.public_id == public_id:
        # The patient's own journal: everything, nothing to log, no second lookup.
        if viewer.is_active and viewer.is_patient:
            return Grant(patient=viewer, scope=EVERYTHING, viewer=viewer)
        raise Http404
    patient = User.objects.filter(public_id=public_id, role=User.Role.PATIENT).first()
    if patient is None:
        raise Http404
    scope, until = _shared_scope(viewer, patient.pk)
    allowed = need in scope and bool(scope)
    if viewer.is_authenticated:
        _log(viewer, patient, what=what, allowed=allowed)
    if not allowed:
        raise Http404
    return Grant(patient=patient, scope=scope, viewer=viewer, until=until)


def _log(viewer: User, patient: User, *, what: str, allowed: bool) -> None:
    AccessEvent.objects.create(
        viewer=viewer,
        viewer_role=viewer.role,
        viewer_name=viewer.display_name,
        viewer_email=viewer.email,
        patient=patient,
        what=what,
        allowed=allowed,
    )


def log_also(grant: Grant, *, what: str) -> None:
    """A second line for one page that shows another part of the journal the grant covers
    (the patient page showing how to reach them): each part the patient can name is on
    their log. Never for the patient's own pages."""
    if not grant.is_own:
        _log(grant.viewer, grant.patient, what=what, allowed=True)


def log_dashboard_look(viewer: User) -> None:
    """One AccessEvent per patient whose summary (scores, mood sparkline, signals) the dashboard
    shows `viewer`: those who share trends with one of their teams; and one per patient whose
    contact details it shows. One INSERT ... SELECT each, so the dashboard costs the same
    number of queries for 5 patients or 500."""
    shared = shares_visible_to(viewer)
    _log_each(viewer, shared.covering(Scope.TRENDS), what="dashboard")
    _log_each(
        viewer,
        shared.covering(Scope.CONTACT).filter(patient__contact_details__isnull=False),
        what="contact",
    )


def log_caseload_look(viewer: User) -> None:
    """One AccessEvent per patient counted in the caseload figures `viewer` sees (those who
    share trends with one of their teams), in one INSERT ... SELECT."""
    _log_each(viewer, shares_visible_to(viewer).covering(Scope.TRENDS), what="caseload")


def _log_each(viewer: User, shares, *, what: str) -> None:
    patients = shares.values("patient_id").distinct()
    select_sql, select_params = patients.query.sql_with_params()
    table = AccessEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608 - table name is ours, values are parameters
            "(viewer_id, viewer_role, viewer_name, viewer_email, patient_id, what, allowed, at) "
            f"SELECT %s, %s, %s, %s, shared.patient_id, %s, %s, %s FROM ({select_sql}) shared",
            [
                viewer.pk,
                viewer.role,
                viewer.display_name,
                viewer.email,
                what,
                True,
                connection.ops.adapt_datetimefield_value(timezone.now()),
                *select_params,
            ],
        )
