"""The patient's appointment report pages. HTTP only; their own journal only."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..access import own_journal
from .build import default_range, report_for
from .forms import RangeForm, ReportForm
from .services import (
    last_report_end,
    report_for_grant,
    report_range_check,
    report_save,
    shared_reports,
)


@own_journal
@never_cache
@require_http_methods(["GET", "POST"])
def reports(request, grant):
    """Pick a range, see the report it makes, then save it (to print and share)."""
    patient = grant.patient
    start, end = default_range(patient, last_report_end(patient))
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = report_save(
                    patient=patient,
                    start=data["start"],
                    end=data["end"],
                    talk_about=data["talk_about"],
                    shared=data["shared"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Your report is saved. Print it or save it as a PDF.")
                return redirect("report", report=report.public_id)
        range_form = RangeForm(initial={"start": start, "end": end})
    else:
        range_form = RangeForm(request.GET if "start" in request.GET else None)
        if range_form.is_valid():
            start, end = range_form.cleaned_data["start"], range_form.cleaned_data["end"]
            try:
                report_range_check(patient=patient, start=start, end=end)
            except ValidationError as error:
                range_form.add_error(None, error)
        if not range_form.is_bound:
            range_form = RangeForm(initial={"start": start, "end": end})
        form = ReportForm(initial={"start": start, "end": end})
    preview = None if range_form.errors else report_for(patient, start, end)
    return render(
        request,
        "journal/reports.html",
        {
            "range_form": range_form,
            "form": form,
            "preview": preview,
            "saved_reports": shared_reports(grant),
            "patient": patient,
        },
    )


@own_journal
@never_cache
@require_http_methods(["GET", "POST"])
def report(request, grant, report: UUID):
    saved = report_for_grant(grant, report)
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report_save(patient=grant.patient, report=saved, **data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Saved.")
                return redirect("report", report=saved.public_id)
    else:
        form = ReportForm(
            initial={
                "start": saved.start,
                "end": saved.end,
                "talk_about": saved.talk_about,
                "shared": saved.shared,
            }
        )
    return render(
        request,
        "journal/report.html",
        {
            "saved": saved,
            "report": report_for(grant.patient, saved.start, saved.end),
            "patient": grant.patient,
            "form": form,
            "own": True,
        },
    )
