"""Saving appointment reports, and the reads other pages need (the care team's view of the
patient's shared reports goes through a grant)."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from ..access import Grant, Scope
from ..models import AppointmentReport
from .build import MAX_DAYS


def report_range_check(*, patient, start: dt.date, end: dt.date) -> None:
    if end > patient.today():
        raise ValidationError("The report can end today at the latest.", code="future")
    if start > end:
        raise ValidationError("The first day comes before the last one.", code="order")
    if (end - start).days >= MAX_DAYS:
        raise ValidationError(
            f"A report covers at most {MAX_DAYS} days, so it fits on two pages.", code="long"
        )


@transaction.atomic
def report_save(
    *,
    patient,
    start: dt.date,
    end: dt.date,
    talk_about: str,
    shared: bool,
    report: AppointmentReport | None = None,
) -> AppointmentReport:
    """Create a report, or change `report` (which must be the patient's)."""
    if report is not None and report.patient_id != patient.pk:
        raise ValidationError("That report isn't yours.")
    report_range_check(patient=patient, start=start, end=end)
    report = report or AppointmentReport(patient=patient)
    report.start, report.end = start, end
    report.talk_about = talk_about.strip()
    report.shared = shared
    report.full_clean(exclude=["patient"])
    report.save()
    return report


def last_report_end(patient) -> dt.date | None:
    return (
        AppointmentReport.objects.filter(patient=patient)
        .order_by("-end")
        .values_list("end", flat=True)
        .first()
    )


def shared_reports(grant: Grant) -> list[AppointmentReport]:
    """The reports the patient shares, for a viewer who sees their trends (newest first)."""
    grant.require(Scope.TRENDS)
    rows = AppointmentReport.objects.filter(patient=grant.patient)
    if not grant.is_own:
        rows = rows.filter(shared=True)
    return list(rows.order_by("-end", "-created_at")[:20])


def report_for_grant(grant: Grant, public_id: UUID) -> AppointmentReport:
    """One report, if the grant may see it: the patient's own, or one they share (trends
    scope); 404 otherwise."""
    grant.require(Scope.TRENDS)
    rows = AppointmentReport.objects.filter(patient=grant.patient, public_id=public_id)
    if not grant.is_own:
        rows = rows.filter(shared=True)
    report = rows.first()
    if report is None:
        raise Http404
    return report
