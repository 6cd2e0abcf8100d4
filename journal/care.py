"""What the journal asks of the care-team app above it, and how that app plugs in.

The journal sits below `careteam` (apps import downward only: accounts, journal, careteam). Yet
a patient's own pages go through the same access door as a clinician's, the safety page names
the teams a patient shares with, and a patient's download includes their shares and who viewed
their data. Those answers belong to the care-team app, so the journal states the questions here
(`CareTeams`) and `careteam` installs its answers at start-up (`careteam/apps.py`, `ready()`).
Announcements the other way (a warning sign was raised) are events: `journal/events.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from accounts.models import User

    from .access import Grant, Scope
    from .tabular import Table


@dataclass(frozen=True)
class TeamContact:
    """A care team the patient shares with, as the safety page shows it."""

    name: str
    crisis_note: str


@dataclass(frozen=True)
class OutreachSeen:
    """A care team reaching out, as the patient may read it: when, who, and what happened in
    the patient's words ("called you", "left you a message"). Never the team's own note."""

    at: dt.datetime
    team: str
    words: str


@dataclass(frozen=True)
class FollowUp:
    """What the patient's care teams can see of their warnings, and what they did about them."""

    # The teams that see warning signs (those the patient shares trends with), by name.
    teams_told: list[str] = field(default_factory=list)
    # Newest first, from the last 90 days.
    outreach: list[OutreachSeen] = field(default_factory=list)


@dataclass(frozen=True)
class PlanSuggestion:
    """An addition to the safety plan a care team suggested, waiting for the patient."""

    id: int
    team: str
    section: str  # one of SafetyPlan.SECTIONS
    text: str
    at: dt.datetime


@dataclass(frozen=True)
class Rhythm:
    """How often the patient's teams ask for one questionnaire. Where several teams set one,
    the most frequent wins: the fewest days, and before each session if any team asks so."""

    every_days: int | None = None  # None: Tideline's QUESTIONNAIRE_DUE_DAYS
    before_session: bool = False
    teams: tuple[str, ...] = ()  # who asked, by name, for the patient to see


class CareTeams(Protocol):
    def grant(self, viewer: Any, public_id: UUID, *, need: Scope, what: str) -> Grant:
        """The door: see `journal.access.grant_for`."""
        ...

    def team_contacts(self, patient: User) -> list[TeamContact]:
        """The teams the patient shares with now, for their safety page."""
        ...

    def pre_session_checklist(self, patient: User) -> tuple[str, list[str]] | None:
        """The pre-session checklist a team the patient shares with set (its name and the
        items), the first such team by name; None for Tideline's default."""
        ...

    def questionnaire_rhythms(self, patient_ids: list[int]) -> dict[tuple[int, str], Rhythm]:
        """(patient id, instrument) -> the rhythm their teams set, through active shares
        with the trends scope; absent where none did. One query whatever the batch."""
        ...

    def export_sections(self, patient: User) -> dict[str, list[dict[str, Any]]]:
        """The patient's own care-team records for their download (shares, access log)."""
        ...

    def export_tables(self, patient: User) -> list[Table]:
        """The same records as tables for the full CSV download, each column named and
        explained (`journal.tabular`)."""
        ...

    def follow_up(self, patient: User) -> FollowUp:
        """Who sees the patient's warning signs, and each time a team reached out to them (no
        team notes): what the patient's warning cards say about their team."""
        ...

    def plan_suggestions(self, patient: User) -> list[PlanSuggestion]:
        """Additions to the patient's safety plan their teams suggested, not yet decided."""
        ...

    def plan_suggestion_decide(self, patient: User, suggestion_id: int, *, accept: bool) -> bool:
        """The patient accepts (the text is added to their plan) or declines a suggestion.
        False if it is not theirs, or was decided already."""
        ...


_installed: CareTeams | None = None


def install(answers: CareTeams) -> None:
    global _installed
    _installed = answers


def care_teams() -> CareTeams:
    if _installed is None:
        raise ImproperlyConfigured(
            "No access door is installed: add 'careteam' to INSTALLED_APPS (it installs one "
            "when Django starts)."
        )
    return _installed
