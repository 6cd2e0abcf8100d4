"""What the journal asks of the care-team app above it, and how that app plugs in.

The journal sits below `careteam` (apps import downward only: accounts, journal, careteam). Yet
a patient's own pages go through the same access door as a clinician's, the safety page names
the teams a patient shares with, and a patient's download includes their shares and who viewed
their data. Those answers belong to the care-team app, so the journal states the questions here
(`CareTeams`) and `careteam` installs its answers at start-up (`careteam/apps.py`, `ready()`).
Announcements the other way (a warning sign was raised) are events: `journal/events.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
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


class CareTeams(Protocol):
    def grant(self, viewer: Any, public_id: UUID, *, need: Scope, what: str) -> Grant:
        """The door: see `journal.access.grant_for`."""
        ...

    def team_contacts(self, patient: User) -> list[TeamContact]:
        """The teams the patient shares with now, for their safety page."""
        ...

    def export_sections(self, patient: User) -> dict[str, list[dict[str, Any]]]:
        """The patient's own care-team records for their download (shares, access log)."""
        ...

    def export_tables(self, patient: User) -> list[Table]:
        """The same records as tables for the full CSV download, each column named and
        explained (`journal.tabular`)."""
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
