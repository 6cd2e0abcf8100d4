"""Logs keep no token, id or query string from a request's URL."""

import io
import logging
import uuid
from types import SimpleNamespace

import pytest
from django.test import Client
from gunicorn.config import Config

from accounts import unsubscribe
from config.access_log import RedactingGunicornLogger, redact_path
from tests.urlwalk import routes

pytestmark = pytest.mark.django_db

SECRET = "Tok3n-s3cret-value"


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (f"/care/join/{SECRET}/accept/?next=/x", "/care/join/<token>/accept/"),
        (f"/care/invitations/{SECRET}/", "/care/invitations/<token>/"),
        (f"/notifications/unsubscribe/weekly_summary/{SECRET}/", None),
        (f"/accounts/password/reset/key/1-{SECRET}/", None),
        (f"/care/patients/{uuid.uuid4()}/notes/", "/care/patients/<public_id>/notes/"),
        ("/trends/?range=30d&token=" + SECRET, "/trends/"),
        (f"/no/such/{SECRET}/", "/no/…"),
        ("/", "/"),
        ("/?q=" + SECRET, "/"),
    ],
)
def test_paths_keep_their_shape_and_lose_their_secrets(path, shown):
    redacted = redact_path(path)
    assert SECRET not in redacted and "?" not in redacted
    if shown is not None:
        assert redacted == shown


def test_every_url_with_arguments_is_shown_by_name_only():
    checked = 0
    for route in routes():
        url = route.url()
        shown = redact_path(url)
        made_up = [
            part
            for part in url.strip("/").split("/")
            if part in {"987654", "no-such-token"} or len(part) == 36  # ids, tokens, UUIDs
        ]
        for value in made_up:
            assert value not in shown, (route.name, shown)
            checked += 1
    assert checked > 30


def gunicorn_line(environ) -> str:
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set(
        "access_log_format", '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" %(U)s%(q)s "%(f)s"'
    )
    logger = RedactingGunicornLogger(cfg)
    out = io.StringIO()
    for handler in logger.access_log.handlers:
        handler.stream = out
    resp = SimpleNamespace(status="200 OK", sent=12, headers=[], response_length=12)
    req = SimpleNamespace(headers=[("COOKIE", "sessionid=" + SECRET)], method="GET")
    logger.access(resp, req, environ, request_time=SimpleNamespace(seconds=0, microseconds=1500))
    return out.getvalue()


def test_gunicorns_access_log_drops_tokens_query_strings_and_referrers():
    line = gunicorn_line(
        {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": f"/care/join/{SECRET}/",
            "QUERY_STRING": f"token={SECRET}",
            "RAW_URI": f"/care/join/{SECRET}/?token={SECRET}",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_REFERER": f"https://tideline.test/care/invitations/{SECRET}/",
            "HTTP_USER_AGENT": "Phone",
        }
    )
    assert '"GET /care/join/<token>/ HTTP/1.1" 200' in line
    assert SECRET not in line and "?" not in line
    assert "Phone" in line


def test_the_project_gunicorn_config_uses_the_redacting_logger():
    cfg = Config()
    cfg.set("config", "gunicorn.conf.py")
    namespace: dict = {}
    with open("gunicorn.conf.py") as f:
        exec(compile(f.read(), "gunicorn.conf.py", "exec"), namespace)  # noqa: S102
    assert namespace["logger_class"] == "config.access_log.RedactingGunicornLogger"
    assert "%(q)s" not in namespace["access_log_format"]
    assert "%(f)s" not in namespace["access_log_format"]


def test_djangos_request_log_lines_are_redacted(patient, caplog):
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    # The filter sits on the handler every django.* logger writes to (config/settings.py).
    console = next(h for h in logging.getLogger("django").handlers if h.filters)
    keep = Keep()
    keep.filters = list(console.filters)
    logging.getLogger("django").addHandler(keep)
    try:
        Client().get(f"/care/join/{SECRET}/?x={SECRET}")
        Client().get(f"/made/up/{SECRET}/")
        token = unsubscribe.unsubscribe_token(user=patient, kind="weekly_summary")
        Client().get(f"/notifications/unsubscribe/weekly_summary/{token}x/")
    finally:
        logging.getLogger("django").removeHandler(keep)
    text = "\n".join(records)
    assert records, "django.request wrote nothing: the test would prove nothing"
    assert SECRET not in text and token not in text
