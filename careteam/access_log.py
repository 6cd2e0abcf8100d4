"""Reading the access log: "Who viewed my data", as a patient reads it, and in full.

The log itself (`AccessEvent`) is append-only: one row per look, never merged or changed
(a PostgreSQL trigger refuses). This module makes it read like a diary:

- looks by the same person at the same patient on the same day (the patient's own calendar)
  collapse into one line, with how many times and the first and last time, separately for
  views and refused attempts;
- refused attempts by accounts that are not care-team members (another patient trying ids,
  say) are not shown to the patient: the access door refused them, no data was seen, and
  showing them would let anyone write lines, under a name of their choosing, on a stranger's
  page. Admins still see every one (careteam/admin.py, with counts);
- views and refused attempts are listed apart, each a page at a time;
- the patient's download keeps every line, uncollapsed (`every_line`).

Each page is a fixed number of queries (two or three), however long the log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncDate

from accounts.models import User

from .access import OTHER, WHAT_LABELS, what_label
from .models import AccessEvent, Membership, Share

LINES_PER_PAGE = 25
DELETED_VIEWER = "A person whose account has since been deleted"
ROLE_WORDS = {"care": "care-team member", "patient": "another patient"}


# The lines the patient sees: every view, and refused attempts by care-team members. The rest
# (refused attempts by anyone else) are for admins only.
SHOWN_TO_PATIENT = Q(allowed=True) | Q(viewer_role=User.Role.CARE)


def shown_to_patient(patient: User) -> QuerySet[AccessEvent]:
    return AccessEvent.objects.for_patient(patient).filter(SHOWN_TO_PATIENT)


def _current_names(viewer_ids: set[int]) -> dict[int, tuple[str, str]]:
    """Name and address now, for lines written before they were kept with each line (those
    have no address of their own). One query, only when there are such lines."""
    if not viewer_ids:
        return {}
    rows = User.objects.filter(pk__in=viewer_ids).values_list("pk", "display_name", "email")
    return {pk: (name, email) for pk, name, email in rows}


def _who(row: dict, current: dict[int, tuple[str, str]]) -> str:
    """Who looked, as the line keeps it (or, for an old line, as the account is now)."""
    if row["viewer_id"] is None:
        return DELETED_VIEWER
    name, email = row["viewer_name"], row["viewer_email"]
    if email is None:
        name, email = current.get(row["viewer_id"], ("", ""))
    return f"{name} ({email})" if name else email


def _legacy_ids(rows) -> set[int]:
    return {r["viewer_id"] for r in rows if r["viewer_email"] is None and r["viewer_id"]}


def _role(viewer_role: str) -> str:
    return ROLE_WORDS.get(viewer_role, viewer_role or "someone")


def _teams(patient: User, viewer_ids: set[int]) -> dict[int, list[str]]:
    """The teams each viewer belongs to that the patient shares (or shared) with. One query."""
    teams: dict[int, list[str]] = {}
    rows = (
        Membership.objects.filter(
            user_id__in=viewer_ids, team__in=Share.objects.filter(patient=patient).values("team")
        )
        .order_by("team__name")
        .values_list("user_id", "team__name")
    )
    for user_id, name in rows:
        teams.setdefault(user_id, []).append(name)
    return teams


@dataclass
class AccessDay:
    """One person's looks at the patient on one day (views, or refused attempts)."""

    day: dt.date
    who: str
    role: str
    teams: list[str]
    whats: list[str]
    allowed: bool
    count: int
    first: dt.datetime
    last: dt.datetime

    @property
    def what_words(self) -> str:
        """ "your charts", or "your summary ...; and your charts" (the labels hold commas)."""
        if len(self.whats) < 2:
            return "".join(self.whats)
        return "; ".join(self.whats[:-1]) + "; and " + self.whats[-1]


WHO = ("viewer_id", "viewer_role", "viewer_name", "viewer_email")


def who_viewed(*, patient: User, views_page=None, refused_page=None) -> tuple[Page, Page]:
    """The patient's "Who viewed my data": a page of views and a page of refused attempts by
    care-team members, newest first, each line one person's looks on one day.

    One pass over the patient's lines in the database, grouped into one row per person, day and
    outcome (with how many looks at each part of the journal), however many looks; then the
    teams of the people on the two pages, and current names for lines older than the names
    kept with them. Two or three queries, whatever the length of the log.
    """
    # How many looks at each part, per line: counted in the grouping, so what was looked at
    # adds no rows (a key the code no longer writes counts as "other").
    parts = {f"n_{key}": Count("id", filter=Q(what=key)) for key in WHAT_LABELS if key != OTHER}
    parts[f"n_{OTHER}"] = Count("id", filter=~Q(what__in=list(WHAT_LABELS)))
    groups = (
        shown_to_patient(patient)
        .annotate(day=TruncDate("at", tzinfo=patient.zoneinfo))
        .values(*WHO, "day", "allowed")
        .annotate(count=Count("id"), first=Min("at"), last=Max("at"), **parts)
        .order_by()
    )
    lines = [
        {**group, "whats": [key for key in WHAT_LABELS if group[f"n_{key}"]]} for group in groups
    ]
    ordered = sorted(lines, key=lambda line: (line["last"], line["viewer_id"] or 0))
    ordered.reverse()
    # Pages of grouped rows, turned into AccessDay lines below once the page is known.
    allowed: list[Any] = [ln for ln in ordered if ln["allowed"]]
    refused: list[Any] = [ln for ln in ordered if not ln["allowed"]]
    views = Paginator(allowed, LINES_PER_PAGE).get_page(views_page)
    refusals = Paginator(refused, LINES_PER_PAGE).get_page(refused_page)

    on_pages = [*views.object_list, *refusals.object_list]
    current = _current_names(_legacy_ids(on_pages))
    teams = _teams(patient, {line["viewer_id"] for line in on_pages if line["viewer_id"]})
    for page in (views, refusals):
        page.object_list = [
            AccessDay(
                day=line["day"],
                who=_who(line, current),
                role=_role(line["viewer_role"]),
                teams=teams.get(line["viewer_id"], []),
                whats=[what_label(what) for what in line["whats"]],
                allowed=line["allowed"],
                count=line["count"],
                first=line["first"],
                last=line["last"],
            )
            for line in page.object_list
        ]
    return views, refusals


@dataclass
class AccessLine:
    at: dt.datetime
    who: str
    role: str
    teams: list[str]
    what: str
    allowed: bool


def every_line(*, patient: User) -> list[AccessLine]:
    """Every line of the patient's log, newest first, as it was written (their download keeps
    them all, refused attempts by anyone included). Two or three queries."""
    events = list(
        AccessEvent.objects.for_patient(patient)
        .order_by("-at", "-pk")
        .values("at", *WHO, "what", "allowed")
    )
    current = _current_names(_legacy_ids(events))
    teams = _teams(patient, {e["viewer_id"] for e in events if e["viewer_id"]})
    return [
        AccessLine(
            at=e["at"],
            who=_who(e, current),
            role=_role(e["viewer_role"]),
            teams=teams.get(e["viewer_id"], []),
            what=what_label(e["what"]),
            allowed=e["allowed"],
        )
        for e in events
    ]
