"""The import pages: choose a file, preview it and choose, then watch it come in. HTTP only;
the patient's own journal only (`own_journal`): a job of anyone else's is a 404."""

from __future__ import annotations

from uuid import UUID

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.decorators import accepts_upload

from ..access import own_journal
from ..models import ImportJob
from .forms import ChoicesForm, UploadForm
from .jobs import job_create, job_parse, job_progress, job_start, read_upload
from .parsed import FileProblem
from .preview import day_count, preview, problems
from .save import ImportResult


def _job(grant, public_id: UUID) -> ImportJob:
    return get_object_or_404(
        ImportJob.objects.select_related("patient"), patient=grant.patient, public_id=public_id
    )


@accepts_upload("IMPORT_MAX_BYTES")
@own_journal
@never_cache
@require_http_methods(["GET", "POST"])
def import_start(request, grant):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            source, parsed = read_upload(data, today=grant.patient.today())
        except FileProblem as problem:
            form.add_error("file", str(problem))
        else:
            job = job_create(
                patient=grant.patient,
                data=data,
                file_name=upload.name,
                source=source,
                days=day_count(parsed),
            )
            return redirect("import_preview", job=job.public_id)
    return render(request, "journal/import_start.html", {"form": form})


@own_journal
@never_cache
@require_http_methods(["GET", "POST"])
def import_preview(request, grant, job: UUID):
    job_row = _job(grant, job)
    if job_row.status != ImportJob.Status.PREVIEW:
        return redirect("import_progress", job=job_row.public_id)
    parsed = job_parse(job_row)
    shown = preview(grant.patient, parsed)
    form = ChoicesForm(request.POST or None, shown=shown)
    if request.method == "POST" and form.is_valid():
        choices = form.to_choices()
        for reason in problems(grant.patient, parsed, choices):
            form.add_error(None, reason)
        if form.is_valid():
            job_start(job_row, choices)
            return redirect("import_progress", job=job_row.public_id)
    return render(
        request, "journal/import_preview.html", {"form": form, "shown": shown, "job": job_row}
    )


@own_journal
@never_cache
def import_progress(request, grant, job: UUID):
    job_row = _job(grant, job)
    result = ImportResult.from_json(job_row.result) if job_row.result else None
    return render(
        request,
        "journal/import_progress.html",
        {"job": job_row, "progress": job_progress(job_row), "result": result},
    )


@own_journal
@never_cache
def import_status(request, grant, job: UUID):
    """How far along an import is, for the progress bar: numbers only."""
    progress = job_progress(_job(grant, job))
    return JsonResponse(
        {
            "status": progress.status,
            "done": progress.done,
            "total": progress.total,
            "percent": progress.percent,
        }
    )
