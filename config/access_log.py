"""Request paths as our logs may show them: no query string, no token, no id.

Paths carry secrets and relations: an invitation's or an unsubscribe link's token, a password
reset key, a patient's public id next to the clinician who opened it. A log line is read by
people and kept by machines that must never learn those. So every path a log writes goes
through `redact_path`: the URL pattern it matched, its arguments replaced by their names
(`/care/patients/<public_id>/notes/`), and nothing after `?`. A path no pattern matches keeps
its first segment only (a mistyped link may hold a token too).

Used by gunicorn's access log (`gunicorn.conf.py` names `RedactingGunicornLogger`) and by the
`RedactPaths` filter on Django's own request loggers (config/settings.py LOGGING).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.urls import Resolver404, get_resolver
from gunicorn.glogging import Logger as GunicornLogger

_REGEX_ARGUMENT = re.compile(r"\(\?P<(\w+)>[^)]*\)")  # allauth's re_path routes
_PATH_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")  # path() routes: <uuid:public_id>


def _template(route: str) -> str:
    route = _REGEX_ARGUMENT.sub(lambda m: f"<{m.group(1)}>", route)
    route = _PATH_ARGUMENT.sub(lambda m: f"<{m.group(1)}>", route)
    return route.lstrip("^").removesuffix("$").replace("\\Z", "").replace("\\", "")


def redact_path(path: str) -> str:
    """`path` (query string and all) as a log may show it. Never raises."""
    path = (path or "").split("?", 1)[0].split("#", 1)[0] or "/"
    try:
        match = get_resolver().resolve(path)
    except (Resolver404, ValueError, UnicodeError):
        first = path.lstrip("/").split("/", 1)[0]
        return f"/{first}/…" if first else "/"
    except Exception:  # a log line must never break a request
        return "/…"
    if not match.kwargs and not match.args:
        return path
    return "/" + _template(match.route or "")


class RedactPaths(logging.Filter):
    """Redact the paths in records of Django's request loggers (`django.request`,
    `django.security.*`: "Not Found: /care/join/<token>/"; `django.server`, the development
    server's request line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_redact_arg(arg) for arg in record.args)
        return True


def _redact_arg(arg: Any) -> Any:
    if not isinstance(arg, str):
        return arg
    if arg.startswith("/"):
        return redact_path(arg)
    parts = arg.split(" ")
    # The development server's "GET /path?query HTTP/1.1".
    if len(parts) == 3 and parts[1].startswith("/") and parts[2].startswith("HTTP/"):
        return f"{parts[0]} {redact_path(parts[1])} {parts[2]}"
    return arg


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn's logger, with every path-bearing atom of the access log redacted: the request
    line (`%(r)s`), the path (`%(U)s`), the query string (`%(q)s`, always empty) and the
    referrer (`%(f)s`, which holds our own pages' URLs)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(environ.get("PATH_INFO", ""))
        atoms["U"] = path
        atoms["q"] = ""
        atoms["r"] = (
            f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}"
        )
        atoms["f"] = "-"
        # The raw headers and environ (%({name}i)s, %({name}e)s) may hold cookies and tokens.
        for key in list(atoms):
            if key.startswith("{") and key.endswith(("}i", "}e")):
                atoms[key] = "-"
        return atoms
