"""The import pages: choose a file, preview it and choose, then see it come in; a large file
through a real Celery worker with its progress; and the round trip: export, delete, import
into a new account keeps every check-in, session and score."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from journal.imports import jobs
from journal.imports.run import progress_key
from journal.models import (
    Activity,
    CheckIn,
    ImportJob,
    QuestionnaireResponse,
    SafetyPlan,
    TreatmentSession,
)
from journal.questionnaires import band
from journal.services import SessionData, treatment_session_save
from tests.conftest import wait_for
from tests.factories import (
    CheckInFactory,
    UserFactory,
    reauthenticate,
    scored_questionnaire,
)
from tests.journal.daylio_files import export, row

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name="daylio_export.csv"):
    return client.post(
        reverse("import_start"), {"file": SimpleUploadedFile(name, data, "text/csv")}
    )


def a_daylio_file(today: dt.date) -> bytes:
    return export(
        row(today, "9:00 PM", "good", ["walk", "Work"], "evening<br>calm"),
        row(today, "8:00 AM", "Stormy", [], "morning"),
        row(today - dt.timedelta(days=1), "10:00 pm", "rad", ["gaming"]),
        "2026-13-45,?,?,9:00 PM,good,,,",  # line 5: a date that isn't one
    )


def test_a_patient_previews_a_daylio_file_chooses_and_brings_it_in(patient_client, patient):
    today = patient.today()
    CheckInFactory(patient=patient, day=today - dt.timedelta(days=1), mood=2, note="mine")

    response = upload(patient_client, a_daylio_file(today))
    job = ImportJob.objects.get(patient=patient)
    assert response.status_code == 302
    assert response["Location"] == reverse("import_preview", kwargs={"job": job.public_id})

    page = patient_client.get(response["Location"]).content.decode()
    assert "3 entries on 2 days" in page
    assert "1 day has several entries" in page
    assert "Stormy" in page and "gaming" in page
    assert "line 5: its date can&#x27;t be read" in page
    assert "You already have check-ins on 1 of these days." in page
    assert not CheckIn.objects.filter(patient=patient, day=today).exists()

    # Stormy has no number yet and the bad line is not agreed: refused, nothing saved.
    refused = patient_client.post(
        response["Location"], {"mood_0": "7", "overwrite": "no", "tag_0": "walk"}
    )
    assert refused.status_code == 200
    assert "Choose a number from 0 to 10 for “Stormy”." in refused.content.decode()
    assert not CheckIn.objects.filter(patient=patient, day=today).exists()

    moods = {"mood_0": "9", "mood_1": "7", "mood_2": "3"}  # rad, good (best first), Stormy
    tags = {"tag_0": "Movement", "tag_1": "Work or study", "tag_2": ""}  # walk, Work, gaming
    done = patient_client.post(
        response["Location"], {**moods, **tags, "overwrite": "no", "skip_bad": "on"}
    )

    assert done.status_code == 302
    result = patient_client.get(done["Location"]).content.decode()
    assert "Your history is in" in result
    assert "1 new day." in result and "1 day you already had, left as they were." in result
    checkin = CheckIn.objects.get(patient=patient, day=today)
    assert checkin.mood == 5  # (7 + 3) / 2
    assert checkin.note == "08:00: morning\n\n21:00: evening\ncalm"
    assert sorted(a.name for a in checkin.activities.all()) == ["Movement", "Work or study"]
    assert CheckIn.objects.get(patient=patient, day=today - dt.timedelta(days=1)).note == "mine"
    assert not Activity.objects.filter(owner=patient).exists()
    assert bytes(ImportJob.objects.get(pk=job.pk).payload) == b""  # the file is not kept


def test_a_file_that_is_neither_daylio_nor_tideline_is_refused_kindly(patient_client, patient):
    response = upload(patient_client, b"name,score\nsam,3\n", "scores.csv")

    assert response.status_code == 200
    assert "doesn&#x27;t look like a Daylio export" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_far_too_large_is_refused_before_reading(patient_client, monkeypatch):
    monkeypatch.setattr(jobs, "MAX_BYTES", 100)
    monkeypatch.setattr("journal.imports.forms.MAX_BYTES", 100)

    response = upload(patient_client, a_daylio_file(dt.date(2026, 3, 1)))

    assert "far more than a journal export" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_second_upload_replaces_the_first_one_waiting(patient_client, patient, other_patient):
    today = patient.today()
    ImportJob.objects.create(patient=other_patient, source="daylio", payload=b"x", days=1)
    upload(patient_client, a_daylio_file(today))
    upload(patient_client, a_daylio_file(today))

    assert ImportJob.objects.filter(patient=patient).count() == 1
    assert ImportJob.objects.filter(patient=other_patient).count() == 1


def test_the_progress_reads_the_workers_count_while_it_imports(patient_client, patient, settings):
    job = ImportJob.objects.create(
        patient=patient, source="daylio", payload=b"x", days=400, status="queued"
    )
    from django.core.cache import cache

    cache.set(progress_key(job.pk), 100)

    state = patient_client.get(reverse("import_status", kwargs={"job": job.public_id})).json()
    assert state == {"status": "queued", "done": 100, "total": 400, "percent": 25}
    page = patient_client.get(reverse("import_progress", kwargs={"job": job.public_id}))
    assert 'value="100"' in page.content.decode() and "no-store" in page["Cache-Control"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_imported_by_the_celery_worker_with_a_progress_bar(
    client, celery_worker_process, monkeypatch
):
    patient = UserFactory()
    client.force_login(patient)
    monkeypatch.setattr(jobs, "INLINE_MAX_DAYS", 20)
    today = patient.today()
    data = export(*(row(today - dt.timedelta(days=n), "9:00 PM", "meh") for n in range(250)))

    preview_url = upload(client, data)["Location"]
    response = client.post(preview_url, {"mood_0": "5", "overwrite": "no"})
    job = ImportJob.objects.get(patient=patient)
    assert job.status == "queued"  # handed to the worker, not imported in the request
    page = client.get(response["Location"]).content.decode()
    assert "<progress" in page and "Bringing your history in" in page

    status_url = reverse("import_status", kwargs={"job": job.public_id})
    final = wait_for(lambda: (s := client.get(status_url).json())["status"] != "queued" and s)
    assert final == {"status": "done", "done": 250, "total": 250, "percent": 100}
    assert CheckIn.objects.filter(patient=patient).count() == 250
    assert "250 new days." in client.get(response["Location"]).content.decode()


def test_round_trip_export_delete_and_import_into_a_new_account(client):
    """Done when: export, delete the account, import into a new one: every check-in, session
    and score is there again."""
    first = UserFactory(email="first@example.test", time_zone="America/New_York")
    walk = Activity.objects.create(owner=first, name="Walk by the sea")
    today = first.today()
    for n in range(40):
        c = CheckInFactory(
            patient=first,
            day=today - dt.timedelta(days=n),
            mood=n % 11,
            energy=None if n % 3 else 4,
            sleep_hours=Decimal("6.5") if n % 2 else None,
            appetite="more" if n % 5 == 0 else "",
            sleep_quality=(n % 5) + 1,
            self_harm_thoughts=False if n % 7 else None,
            note=f"=day {n}, with 'quotes', commas\nand a new line" if n % 4 == 0 else "",
            # Reflections written on days that are not prompt days today (an earlier prompt
            # rule, or a session since deleted): the patient's words come back too.
            integration_shifted=f"shift {n}" if n % 6 == 5 else "",
        )
        if n % 2:
            c.tags_add(walk, Activity.objects.get(owner=None, name="Rest"))
    treatment_session_save(  # late evening in New York: the next day already in UTC
        patient=first,
        data=SessionData(
            day=today - dt.timedelta(days=2),
            time=dt.time(22, 30),
            kind="iv",
            dose="0.5 mg/kg",
            intention="-be kind",
            insights="ok",
        ),
    )
    scored_questionnaire(first, "phq9", 14, today - dt.timedelta(days=20))
    scored_questionnaire(first, "gad7", 6, today - dt.timedelta(days=20))
    SafetyPlan.objects.create(patient=first, reasons_for_living="@ the sea")
    for q in QuestionnaireResponse.objects.filter(patient=first):  # as the form stores them
        q.band = band(q.instrument, q.total)
        q.save()

    def snapshot(person):
        fields = [
            "day",
            *(
                f.name
                for f in CheckIn._meta.concrete_fields
                if f.name not in ("id", "patient", "version", "created_at", "updated_at")
            ),
        ]
        days = [
            (*values, sorted(c.activities.values_list("name", flat=True)))
            for c in CheckIn.objects.filter(patient=person).order_by("day")
            for values in [tuple(getattr(c, f) for f in fields)]
        ]
        sessions = list(
            TreatmentSession.objects.filter(patient=person).values_list(
                "started_at", "day", "kind", "dose", "provider", "intention", "insights"
            )
        )
        scores = list(
            QuestionnaireResponse.objects.filter(patient=person)
            .order_by("submitted_at")
            .values_list("instrument", "answers", "total", "band", "day", "submitted_at")
        )
        plan = SafetyPlan.objects.get(patient=person).reasons_for_living
        return days, sessions, scores, plan

    before = snapshot(first)
    client.force_login(first)
    reauthenticate(client)
    archive = client.post(reverse("data_export"), {"format": "zip"}).content
    assert zipfile.ZipFile(io.BytesIO(archive)).testzip() is None
    client.post(reverse("account_delete"), {"confirm": "on"})
    assert not User.objects.filter(email="first@example.test").exists()
    assert not CheckIn.objects.exists()

    second = UserFactory(email="second@example.test", time_zone="America/New_York")
    client.force_login(second)
    preview_url = upload(client, archive, "tideline.zip")["Location"]
    page = client.get(preview_url).content.decode()
    assert "40 entries on 40 days" in page and "1 treatment session and 2 questionnaires" in page
    shown_tags = {"tag_0": "Walk by the sea", "tag_1": "Rest"}
    done = client.post(preview_url, {**shown_tags, "overwrite": "no"})

    assert done.status_code == 302
    assert snapshot(second) == before
    again = client.post(
        reverse(
            "import_preview",
            kwargs={
                "job": upload(client, archive, "t.zip")["Location"].rstrip("/").rsplit("/", 1)[1]
            },
        ),
        {**shown_tags, "overwrite": "no"},
    )
    assert again.status_code == 302
    assert snapshot(second) == before  # a second import adds nothing


def test_uploads_never_imported_and_finished_jobs_do_not_linger(patient, other_patient):
    from django.utils import timezone

    from journal.imports.run import jobs_expire

    now = timezone.now()

    def job(person, status, age_hours, finished=None):
        row = ImportJob.objects.create(patient=person, source="daylio", payload=b"x", status=status)
        ImportJob.objects.filter(pk=row.pk).update(
            created_at=now - dt.timedelta(hours=age_hours), finished_at=finished
        )
        return row.pk

    gone = [
        job(patient, "preview", 25),
        job(other_patient, "done", 200, finished=now - dt.timedelta(days=8)),
        job(patient, "failed", 200, finished=now - dt.timedelta(days=8)),
    ]
    kept = [
        job(patient, "preview", 23),
        job(other_patient, "queued", 200),
        job(patient, "done", 30, finished=now - dt.timedelta(days=6)),
    ]

    assert jobs_expire(now=now) == 3
    assert set(ImportJob.objects.values_list("pk", flat=True)) == set(kept)
    assert not ImportJob.objects.filter(pk__in=gone).exists()


def test_the_worker_finds_the_import_tasks_and_beat_runs_the_expiry(settings):
    from config.celery import app

    app.loader.import_default_modules()  # what a worker does at start

    assert {"journal.import_job_run", "journal.import_jobs_expire"} <= set(app.tasks)
    entry = settings.CELERY_BEAT_SCHEDULE["import-jobs-expire"]
    assert entry["task"] == "journal.import_jobs_expire" and entry["schedule"] <= 3600
