"""Reading a kept file again and importing it: what the Celery task and a small inline import
both run. Idempotent: the job's row is locked for the whole import and only a job still
waiting is imported, so a redelivered or duplicated task finds it done and does nothing."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import ImportJob
from . import daylio, tideline
from .parsed import FileProblem
from .preview import Choices, Parsed
from .save import import_file

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 60 * 60
# An upload nobody went on to import is a file of someone's history: gone after a day. A
# finished job keeps only counts and, if refused, its reason (which may quote the file): a week.
PREVIEW_KEPT = dt.timedelta(days=1)
FINISHED_KEPT = dt.timedelta(days=7)


def progress_key(job_id: int) -> str:
    return f"import:progress:{job_id}"


def parse_job(job: ImportJob, *, today: dt.date) -> Parsed:
    reader = daylio if job.source == ImportJob.Source.DAYLIO else tideline
    return reader.parse(bytes(job.payload), today=today)


def job_run(*, job_id: int) -> str:
    """Import the job's file as chosen; returns its status afterwards."""
    try:
        with transaction.atomic():
            job = (
                ImportJob.objects.select_for_update()
                .select_related("patient")
                .filter(pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.PREVIEW])
                .first()
            )
            if job is None:
                return "gone"  # imported already, or the account is gone
            parsed = parse_job(job, today=job.patient.today())
            result = import_file(
                patient=job.patient,
                parsed=parsed,
                choices=Choices.from_json(job.choices),
                # The cache, not the database: this transaction's writes are invisible to the
                # page asking how far along it is until the very end.
                progress=lambda done: cache.set(progress_key(job_id), done, PROGRESS_SECONDS),
            )
            job.status = ImportJob.Status.DONE
            job.result = result.as_json()
            job.payload = b""  # the file is not kept once it is in
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "result", "payload", "finished_at"])
    except (ValidationError, FileProblem) as error:
        reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        ImportJob.objects.filter(pk=job_id).exclude(status=ImportJob.Status.DONE).update(
            status=ImportJob.Status.FAILED, error=reason, payload=b"", finished_at=timezone.now()
        )
        logger.info("import %s refused", job_id)  # the id only: the reason may quote the file
        return ImportJob.Status.FAILED
    logger.info("import %s done", job_id)
    return ImportJob.Status.DONE


def jobs_expire(*, now: dt.datetime | None = None) -> int:
    """Delete uploads left at their preview for a day, and finished jobs after a week. A job
    waiting for the worker is never touched. Returns how many went."""
    now = now or timezone.now()
    previews = ImportJob.objects.filter(
        status=ImportJob.Status.PREVIEW, created_at__lt=now - PREVIEW_KEPT
    )
    finished = ImportJob.objects.filter(
        status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED],
        finished_at__lt=now - FINISHED_KEPT,
    )
    return previews.delete()[0] + finished.delete()[0]
