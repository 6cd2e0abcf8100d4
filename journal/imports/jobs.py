"""An upload kept until it is imported: made from the file, started with the person's choices
(at once for a small file, by the Celery task for a large one), and how far along it is."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from config.enqueue import enqueue_on_commit

from ..models import ImportJob
from . import daylio, tideline
from .parsed import FileProblem
from .preview import Choices, Parsed
from .run import job_run, parse_job, progress_key
from .tasks import import_job_run

# A file of more days than this is imported by the Celery task with a progress bar; a smaller
# one while the page waits (a few hundred days take well under a second).
INLINE_MAX_DAYS = 400
# Ten years of Daylio is about 1 MB; far more is not a journal export (IMPORT_MAX_BYTES).
MAX_BYTES = settings.IMPORT_MAX_BYTES


def read_upload(data: bytes, *, today) -> tuple[str, Parsed]:
    """Which kind of file it is, and what it holds. FileProblem with a plain reason if neither."""
    if not data.strip():
        raise FileProblem("This file is empty.")
    if tideline.is_zip(data):
        return ImportJob.Source.TIDELINE, tideline.parse(data, today=today)
    try:
        return ImportJob.Source.DAYLIO, daylio.parse(data, today=today)
    except FileProblem as not_daylio:
        try:
            return ImportJob.Source.TIDELINE, tideline.parse(data, today=today)
        except FileProblem:
            raise not_daylio from None


@transaction.atomic
def job_create(*, patient, data: bytes, file_name: str, source: str, days: int) -> ImportJob:
    """Keep the file for its preview. Earlier uploads never imported are dropped: one waits at
    a time, and nobody's file lingers."""
    ImportJob.objects.filter(patient=patient, status=ImportJob.Status.PREVIEW).delete()
    return ImportJob.objects.create(
        patient=patient, source=source, payload=data, file_name=file_name[:200], days=days
    )


def job_parse(job: ImportJob) -> Parsed:
    return parse_job(job, today=job.patient.today())


def job_start(job: ImportJob, choices: Choices) -> str:
    """Import with these choices: now, or (large files) by the task; returns the status."""
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEW).update(
        choices=choices.as_json(),
        status=ImportJob.Status.QUEUED if job.days > INLINE_MAX_DAYS else ImportJob.Status.PREVIEW,
    )
    if not updated:
        return ImportJob.objects.get(pk=job.pk).status  # started already (a double submit)
    if job.days > INLINE_MAX_DAYS:
        enqueue_on_commit(import_job_run, job_id=job.pk)
        return ImportJob.Status.QUEUED
    job_run(job_id=job.pk)
    return ImportJob.objects.get(pk=job.pk).status


@dataclass
class Progress:
    status: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        if self.status == ImportJob.Status.DONE:
            return 100
        return min(99, 100 * self.done // self.total) if self.total else 0


def job_progress(job: ImportJob) -> Progress:
    if job.status == ImportJob.Status.DONE:
        done = job.days
    elif job.status == ImportJob.Status.QUEUED:
        done = min(int(cache.get(progress_key(job.pk), 0)), job.days)
    else:
        done = 0
    return Progress(job.status, done, job.days)
