"""Crisis resources shown by the "Need help now?" page and the safety flow."""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class CrisisLine:
    name: str
    how: str
    note: str


def crisis_lines() -> list[CrisisLine]:
    """Parse CRISIS_LINES ("Name|how to reach|note;...") once per call; the list is short."""
    lines = []
    for chunk in settings.CRISIS_LINES.split(";"):
        parts = [p.strip() for p in chunk.split("|")]
        if parts and parts[0]:
            parts += [""] * (3 - len(parts))
            lines.append(CrisisLine(*parts[:3]))
    return lines
