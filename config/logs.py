"""Structured logs: one JSON object a line (python-json-logger), each with the request's id, and
nothing about anyone's health.

What a line may hold: ids, event names, counts, durations, and for a request its method, its URL
*pattern* (`care/patients/<uuid:public_id>/`, never the path itself, which may carry a patient's
id or a token), status and time. Never a query string (searches, tokens), a form value, a note,
a score, an email address. Django's own request logger ("Not Found: /path") and anything that
attaches the request to a record are cut down to the same by `NoRequestDetails`.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from django.core.signals import request_finished
from django.dispatch import receiver
from pythonjsonlogger.json import JsonFormatter

access_logger = logging.getLogger("tideline.access")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# An id a proxy in front of us already gave the request is kept, so one request can be followed
# from the proxy's log to ours; anything else (or anything longer) is replaced by our own.
_GIVEN_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Every record carries `request_id` ("-" outside a request: tasks, commands)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class NoRequestDetails(logging.Filter):
    """Django's request and security loggers put the path in the message and the request object
    (with its query string, headers and cookies) on the record: keep the event, drop those."""

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request"):
            record.request = None
        if record.name.startswith("django.server"):
            record.msg, record.args = "request served", ()  # '"GET /path?query" 200': no
        elif record.name.startswith(("django.request", "django.security")):
            # "Not Found: /path", "Forbidden (CSRF token missing.): /path": the event alone.
            record.msg, record.args = record.getMessage().split(": ")[0], ()
        return True


def json_formatter() -> JsonFormatter:
    return JsonFormatter(
        "{asctime}{levelname}{name}{message}{request_id}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
    )


class RequestLogMiddleware:
    """Gives each request an id (the `X-Request-ID` response header, and `request_id` on every
    log line written while it is served) and writes one access line when it is done."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _GIVEN_ID.match(given) else uuid.uuid4().hex
        # Kept until the request is finished (not only until this returns): Django logs a 404 or
        # a 500 after the middleware has handed the response back.
        _request_id.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        match = getattr(request, "resolver_match", None)
        access_logger.info(
            "request",
            extra={
                "method": request.method,
                "route": (match.route or match.view_name) if match else "(no route)",
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response


@receiver(request_finished)
def _forget_request_id(**kwargs) -> None:
    _request_id.set("-")
