"""Optional error reports to Sentry (or anything speaking its protocol, e.g. GlitchTip), on only
when SENTRY_DSN is set, and scrubbed of health data before anything leaves the server.

What a report keeps: the exception's type and stack (file, function, line; no variable values),
the URL pattern of the request (the transaction, e.g. `care/patients/<uuid:public_id>/`), its
method, the account's id, the release and environment. What it never carries: request bodies,
query strings, cookies, headers, local variables, email addresses, breadcrumbs (they hold log
lines and SQL), extra data. `send_default_pii` stays at its default (off), so the SDK does not
collect most of this in the first place; `scrub_event` is the second lock, run on every event.
"""

from __future__ import annotations

import re
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

EMAIL = re.compile(r"[^\s@<>()\"']+@[^\s@<>()\"']+\.[A-Za-z]{2,}")
_KEPT_REQUEST_FIELDS = ("method",)


def _scrub_text(value: Any) -> Any:
    return EMAIL.sub("[email]", value) if isinstance(value, str) else value


def _frames(container: Any) -> list[dict]:
    frames: list[dict] = []
    for value in (container or {}).get("values", []) or []:
        frames.extend(((value or {}).get("stacktrace") or {}).get("frames", []) or [])
    return frames


def scrub_event(event: Any, hint: Any = None) -> Any:
    """Remove health data from a Sentry event (before_send and before_send_transaction)."""
    request = event.get("request")
    if request:
        event["request"] = {k: request[k] for k in _KEPT_REQUEST_FIELDS if k in request}
    user = event.get("user")
    if user:
        event["user"] = {"id": user["id"]} if "id" in user else {}
    for key in ("extra", "breadcrumbs"):
        event.pop(key, None)
    for container in (event.get("exception"), event.get("threads")):
        for frame in _frames(container):
            frame.pop("vars", None)
    for value in (event.get("exception") or {}).get("values", []) or []:
        if value:
            value["value"] = _scrub_text(value.get("value"))
    if isinstance(event.get("logentry"), dict):
        entry = event["logentry"]
        entry["message"] = _scrub_text(entry.get("message"))
        entry["formatted"] = _scrub_text(entry.get("formatted"))
        entry.pop("params", None)
    if "message" in event:
        event["message"] = _scrub_text(event["message"])
    contexts = event.get("contexts") or {}
    contexts.pop("response", None)
    return event


def sentry_init(*, dsn: str, environment: str, release: str | None) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(transaction_style="url"), CeleryIntegration()],
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=lambda crumb, hint: None,  # none are kept: log lines and SQL
    )
