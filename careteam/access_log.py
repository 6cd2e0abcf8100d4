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

Each page is a fixed number of queries, however long the log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, Max, Min, Q, QuerySet, When
from django.db.models.functions import Coalesce, TruncDate

from accounts.models import User

from .access import what_label
from .models import AccessEvent, Membership, Share

LINES_PER_PAGE = 25
DELETED_VIEWER = "A person whose account has since been deleted"
ROLE_WORDS = {"care": "care-team member", "patient": "another patient"}


# The lines the patient sees: every view, and refused attempts by care-team members. The rest
# (refused attempts by anyone else) are for admins only.
SHOWN_TO_PATIENT = Q(allowed=True) | Q(viewer_role=User.Role.CARE)


def shown_to_patient(patient: User) -> QuerySet[AccessEvent]:
    return AccessEvent.objects.for_patient(patient).filter(SHOWN_TO_PATIENT)


def _with_who(events: QuerySet[AccessEvent]) -> QuerySet[AccessEvent]:
    # The name and address kept with the line; a line written before they were kept (null
    # address) shows the account's current ones.
    legacy = Q(viewer_email__isnull=True)
    return events.annotate(
        who_name=Case(When(legacy, then=F("viewer__display_name")), default=F("viewer_name")),
        who_email=Coalesce("viewer_email", "viewer__email"),
    )


def _who(viewer_id: int | None, name: str | None, email: str | None) -> str:
    if viewer_id is None:
        return DELETED_VIEWER
    return f"{name} ({email})" if name else (email or "")


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


GROUP = ("viewer_id", "viewer_role", "who_name", "who_email", "day")


def _page(patient: User, *, allowed: bool, page_number) -> tuple[Page, list[dict]]:
    """One page of views (`allowed`) or refused attempts, collapsed to one row per person per
    day, newest first, each with what they looked at. Three queries: count, rows, whats."""
    events = _with_who(shown_to_patient(patient).filter(allowed=allowed)).annotate(
        day=TruncDate("at", tzinfo=patient.zoneinfo)
    )
    grouped = (
        events.values(*GROUP)
        .annotate(count=Count("id"), first=Min("at"), last=Max("at"))
        .order_by("-last", "viewer_id")
    )
    page = Paginator(grouped, LINES_PER_PAGE).get_page(page_number)
    rows = list(page.object_list)
    if rows:
        whats: dict[tuple, list[str]] = {}
        days = {row["day"] for row in rows}
        looked_at = events.filter(day__in=days).values(*GROUP, "what").distinct().order_by("what")
        for row in looked_at:
            whats.setdefault(tuple(row[k] for k in GROUP), []).append(what_label(row["what"]))
        for row in rows:
            row["whats"] = whats.get(tuple(row[k] for k in GROUP), [])
    return page, rows


def who_viewed(*, patient: User, views_page=None, refused_page=None) -> tuple[Page, Page]:
    """The patient's "Who viewed my data": a page of views and a page of refused attempts by
    care-team members, each line one person's looks on one day. Seven queries, however long
    the log."""
    views, view_rows = _page(patient, allowed=True, page_number=views_page)
    refusals, refusal_rows = _page(patient, allowed=False, page_number=refused_page)
    rows = view_rows + refusal_rows
    teams = _teams(patient, {row["viewer_id"] for row in rows if row["viewer_id"]})
    for page, page_rows, allowed in ((views, view_rows, True), (refusals, refusal_rows, False)):
        page.object_list = [
            AccessDay(
                day=row["day"],
                who=_who(row["viewer_id"], row["who_name"], row["who_email"]),
                role=_role(row["viewer_role"]),
                teams=teams.get(row["viewer_id"], []),
                whats=row["whats"],
                allowed=allowed,
                count=row["count"],
                first=row["first"],
                last=row["last"],
            )
            for row in page_rows
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
    them all, refused attempts by anyone included). Two queries."""
    events = list(
        _with_who(AccessEvent.objects.for_patient(patient))
        .order_by("-at", "-pk")
        .values("at", "viewer_id", "viewer_role", "who_name", "who_email", "what", "allowed")
    )
    teams = _teams(patient, {e["viewer_id"] for e in events if e["viewer_id"]})
    return [
        AccessLine(
            at=e["at"],
            who=_who(e["viewer_id"], e["who_name"], e["who_email"]),
            role=_role(e["viewer_role"]),
            teams=teams.get(e["viewer_id"], []),
            what=what_label(e["what"]),
            allowed=e["allowed"],
        )
        for e in events
    ]
