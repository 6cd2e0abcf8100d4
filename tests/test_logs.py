"""Structured logs: one JSON object a line, the request's id on each, and nothing about anyone's
health: no notes, no query strings, no paths with ids or tokens, no email addresses."""

import io
import json
import logging

import pytest
from django.urls import reverse

from config.logs import NoRequestDetails, RequestIdFilter, json_formatter
from tests.journal.conftest import checkin_post

MARKER = "MARKER-d41c-my-sister-visited"


@pytest.fixture
def log_lines(settings):
    """What the production handler writes (the JSON formatter and both filters), read back."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(NoRequestDetails())
    loggers = [logging.getLogger(), logging.getLogger("django")]
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)


def test_a_patients_visit_logs_routes_and_ids_never_what_they_wrote(
    log_lines, patient_client, patient
):
    saved = patient_client.post(reverse("checkin"), checkin_post(mood="3", note=MARKER))
    trends = patient_client.get(reverse("trends") + f"?range=90d&q={MARKER}")
    missing = patient_client.get(f"/care/invitations/tok-{MARKER}/?email={patient.email}")

    assert (saved.status_code, trends.status_code, missing.status_code) == (302, 200, 404)
    lines = log_lines()
    text = json.dumps(lines)
    for secret in (MARKER, patient.email, str(patient.public_id), "range=90d"):
        assert secret not in text
    access = [line for line in lines if line["logger"] == "tideline.access"]
    assert [(a["method"], a["route"], a["status"]) for a in access] == [
        ("POST", "checkin/", 302),
        ("GET", "trends/", 200),
        ("GET", "care/invitations/<str:token>/", 404),
    ]
    assert [a["request_id"] for a in access] == [
        r["X-Request-ID"] for r in (saved, trends, missing)
    ]
    assert all(set(a) >= {"time", "level", "message", "ms"} for a in access)
    # Django's own "Not Found: <path>" line keeps the event, not the path.
    assert any(
        line["message"] == "Not Found" for line in lines if line["logger"] == "django.request"
    )


@pytest.mark.django_db
def test_a_request_id_from_the_proxy_is_kept_and_a_strange_one_replaced(client, log_lines):
    kept = client.get(reverse("need_help_now"), headers={"X-Request-ID": "proxy-abc-12345"})
    replaced = client.get(reverse("need_help_now"), headers={"X-Request-ID": "x" * 65})

    assert kept["X-Request-ID"] == "proxy-abc-12345"
    assert len(replaced["X-Request-ID"]) == 32 and replaced["X-Request-ID"] != "x" * 65
    ids = [line["request_id"] for line in log_lines() if line["logger"] == "tideline.access"]
    assert ids == ["proxy-abc-12345", replaced["X-Request-ID"]]


def test_outside_a_request_the_id_is_a_dash(log_lines):
    logging.getLogger("journal.stale").info("stale weeks sweep: %d refreshed", 2)
    (line,) = log_lines()
    assert (line["request_id"], line["message"]) == ("-", "stale weeks sweep: 2 refreshed")
