"""The Celery task for a large import (discovered by config/celery.py): the job's id in, one
call. Idempotent (journal/imports/run.py)."""

from celery import shared_task

from .run import job_run, jobs_expire


@shared_task(name="journal.import_job_run")
def import_job_run(job_id: int) -> str:
    return job_run(job_id=job_id)


@shared_task(name="journal.import_jobs_expire")
def import_jobs_expire() -> int:
    """Beat, hourly: uploads never imported, and finished jobs, do not linger."""
    return jobs_expire()
