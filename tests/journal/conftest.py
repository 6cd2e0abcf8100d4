import pytest
from django.urls import reverse

from journal.models import SCALE_FIELDS


def checkin_post(*, version: int = 0, **fields) -> dict:
    """A check-in form post as a browser sends it: every optional scale skipped unless given."""
    data = {"version": str(version), "mood": "6"}
    for name in SCALE_FIELDS:
        data[name] = "5"
        data[f"{name}_skip"] = "on"
    for name, value in fields.items():
        if name in SCALE_FIELDS:
            data.pop(f"{name}_skip", None)
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


@pytest.fixture
def post_checkin(patient_client):
    def post(day=None, **fields):
        url = reverse("checkin") if day is None else reverse("checkin_day", args=[day])
        return patient_client.post(url, checkin_post(**fields))

    return post


@pytest.fixture
def tasks_run_here():
    """Tasks enqueued on commit run in this process (the real task code, no worker)."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
