"""The one door to a patient's data.

Every view that shows patient data gets the patient through `patient_for_viewer`. It returns the
patient only if the viewer may see that scope now, logs every look by someone other than the
patient, and raises Http404 otherwise, so "not yours" and "doesn't exist" look the same.
"""

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.http import Http404
from django.utils import timezone

from .models import AccessEvent, Share


class Scope(models.TextChoices):
    TRENDS = "trends", "Trends and questionnaires"
    NOTES = "notes", "Daily notes and session insights"


# What a look was at, in the words the patient reads on "Who viewed my data". Views pass the key
# as `what`; an unknown key is shown as it is.
WHAT_LABELS = {
    "trends": "your check-in numbers, questionnaires and sessions",
    "notes": "your daily notes and session insights",
    "signal_ack": "a warning sign, to mark it as seen",
    "charts": "your charts",
    "dashboard": "your summary (scores, mood line, warning signs) on their dashboard",
}


def what_label(what: str) -> str:
    return WHAT_LABELS.get(what, what)


def shares_visible_to(viewer):
    """Active shares with any team `viewer` belongs to (a patient may appear more than once)."""
    return Share.objects.active().filter(team__memberships__user=viewer)


def active_share(viewer, patient_id: int):
    """The active share through which `viewer` (a care-team member) sees `patient_id`, or None."""
    return (
        shares_visible_to(viewer)
        .filter(patient_id=patient_id)
        .order_by("-scope_notes", "-scope_trends")
        .first()
    )


def can_view(viewer, patient_id: int, scope: Scope) -> bool:
    if not viewer.is_authenticated or not viewer.is_active:
        return False
    if viewer.pk == patient_id:
        return True
    if not viewer.is_care_member:
        return False
    share = active_share(viewer, patient_id)
    if share is None:
        return False
    return share.scope_notes if scope == Scope.NOTES else share.scope_trends


def patient_for_viewer(viewer, patient_id: int, *, scope: Scope, what: str):
    """The patient, if `viewer` may see `scope` of their data now; Http404 otherwise.

    Logs the look (allowed or denied) when the viewer is not the patient.
    """
    if viewer.is_authenticated and viewer.pk == patient_id:
        # The patient's own data: nothing to log, and no need to load them a second time.
        if viewer.is_active and viewer.is_patient:
            return viewer
        raise Http404
    User = get_user_model()
    allowed = can_view(viewer, patient_id, scope)
    patient = User.objects.filter(pk=patient_id, role=User.Role.PATIENT).first()
    if viewer.is_authenticated and viewer.pk != patient_id and patient is not None:
        AccessEvent.objects.create(
            viewer=viewer, viewer_role=viewer.role, patient=patient, what=what, allowed=allowed
        )
    if not allowed or patient is None:
        raise Http404
    return patient


def log_dashboard_look(viewer) -> None:
    """One AccessEvent per patient whose summary (scores, mood sparkline, signals) the dashboard
    shows `viewer`: those who share trends with one of their teams. One INSERT ... SELECT, so the
    dashboard costs the same number of queries for 5 patients or 500."""
    patients = shares_visible_to(viewer).filter(scope_trends=True).values("patient_id").distinct()
    select_sql, select_params = patients.query.sql_with_params()
    table = AccessEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (viewer_id, viewer_role, patient_id, what, allowed, at) "  # noqa: S608 - table name is ours, values are parameters
            f"SELECT %s, %s, shared.patient_id, %s, %s, %s FROM ({select_sql}) shared",
            [
                viewer.pk,
                viewer.role,
                "dashboard",
                True,
                connection.ops.adapt_datetimefield_value(timezone.now()),
                *select_params,
            ],
        )
