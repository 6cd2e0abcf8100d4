"""Every URL of the site, walked from the URLconf, so tests cover pages added after them."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the pattern itself when unnamed
    pattern: str  # the full regex, joined from the URLconf
    view: object

    @property
    def app(self) -> str:
        return (getattr(self.view, "__module__", None) or "").partition(".")[0]

    def url(self) -> str:
        """A URL that reaches this view, with made-up values in every argument (an id nobody
        has, a random UUID, today's date): enough to reach the view, which then answers 404."""
        path = self.pattern.lstrip("^").rstrip("$").replace("\\Z", "")
        path = re.sub(r"\(\?P<(\w+)>([^)]*)\)", lambda m: _value(m.group(1), m.group(2)), path)
        return "/" + path.replace("\\", "")


def _value(name: str, regex: str) -> str:
    if "0-9a-f" in regex or "uuid" in name or name in {"public_id", "report", "job"}:
        return str(uuid.uuid4())
    if r"\d{4}-" in regex:
        return dt.date.today().isoformat()
    if regex in {"[0-9]+", r"\d+"}:
        return "987654"
    return "no-such-token"


def _pattern(p) -> str:
    return str(p.pattern.regex.pattern)


def routes() -> Iterator[Route]:
    def walk(resolvers, prefix: str, namespace: str):
        for entry in resolvers:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, prefix + _pattern(entry).lstrip("^"), ns)
            elif isinstance(entry, URLPattern):
                full = prefix + _pattern(entry).lstrip("^")
                name = f"{namespace}{entry.name}" if entry.name else full
                yield Route(name=name, pattern=full, view=entry.callback)

    yield from walk(get_resolver().url_patterns, "", "")


def our_routes(apps: set[str]) -> list[Route]:
    return [r for r in routes() if r.app in apps]
