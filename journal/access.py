"""Who may see a patient's journal, as the journal asks it: one door, returning a grant.

Every page that shows patient data, the patient's own included, gets a `Grant` from
`grant_for` and reads through it: the grant names the patient, what the viewer may see (one
`Scope` value), until when, and the viewer (for the access log). A refusal is a 404, whatever
the reason, so "not yours" and "doesn't exist" look the same.

The deciding is done in one place, `careteam.access` (it knows the shares), which plugs itself
in at start-up through `journal.care`: the journal sits below the care-team app and never
imports it.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from .care import care_teams

if TYPE_CHECKING:
    from accounts.models import User


class Scope(enum.IntFlag):
    """What of a patient's journal a viewer may see. A share holds one such value: any set of
    these. The patient sees all of them (`EVERYTHING`)."""

    # Check-in numbers (mood, sleep and the other measures), activity tags, PHQ-9 and GAD-7
    # scores, the dates and kinds of treatment sessions, warning signs.
    TRENDS = 1
    # The words the patient writes: daily notes, integration reflections, session intentions
    # and insights.
    NOTES = 2
    # How to reach the patient: the phone number and email they enter for their care team.
    CONTACT = 4
    # The patient's safety plan: the team reads it and may suggest additions, which the patient
    # accepts or declines.
    SAFETY_PLAN = 8
    # Clinic entries: a team member may enter an after-session self-check for the patient
    # (journal/after_session.py). Off unless the patient turns it on; every such entry is
    # marked as the team's and each one is on the patient's access log.
    CLINIC_ENTRIES = 16


EVERYTHING = functools.reduce(operator.or_, Scope)

SCOPE_LABELS = {
    Scope.TRENDS: "Trends and questionnaires",
    Scope.NOTES: "Daily notes and session insights",
    Scope.CONTACT: "How to reach me",
    Scope.SAFETY_PLAN: "My safety plan",
    Scope.CLINIC_ENTRIES: "My team may enter my after-session check for me",
}


def scope_labels(scope: Scope) -> list[str]:
    """The parts of `scope`, in plain words, in a fixed order."""
    return [label for part, label in SCOPE_LABELS.items() if part in scope]


@dataclass(frozen=True)
class Grant:
    """Permission to see part of one patient's journal, for one viewer, now."""

    patient: User
    scope: Scope
    viewer: User
    # When this permission ends: the end of the share it comes from (None: until revoked, or
    # the patient's own journal).
    until: dt.datetime | None = None

    @property
    def is_own(self) -> bool:
        return self.viewer.pk == self.patient.pk

    def allows(self, scope: Scope) -> bool:
        return scope in self.scope

    def require(self, scope: Scope) -> None:
        """Refuse (404) unless this grant covers `scope`: selectors call it before reading."""
        if not self.allows(scope):
            raise Http404


def grant_for(viewer: Any, public_id: UUID, *, need: Scope, what: str) -> Grant:
    """The grant for `viewer` to see `need` of the journal of the patient whose public id
    (`User.public_id`, random: never the guessable primary key) is `public_id`, now; Http404
    otherwise. Every look by someone other than the patient is logged, allowed or not, as
    `what` (a key the access log turns into words)."""
    return care_teams().grant(viewer, public_id, need=need, what=what)


P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, Grant, P], HttpResponse]


def own_journal(view: View[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """A patient's own journal page: signed in, and the door grants them their own journal
    (care-team accounts have none: 404). The view gets the grant after the request."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        # login_required has let only a signed-in person this far.
        grant = grant_for(request.user, request.user.public_id, need=EVERYTHING, what="own")  # type: ignore[union-attr]
        return view(request, grant, *args, **kwargs)

    return wrapper
