"""What a warning sign says, written for each of its two readers.

A warning (`journal.models.Signal`) stores facts only: its kind and `details` (counts, scores,
the days something was reported). The words are made here, when a page is drawn, once for the
patient and once for the care team, because the same sentence cannot serve both: a patient
must never read "Please reach out to the patient today" about themselves, and a clinician
needs the numbers, not "your mood". Every kind has both texts (tests/journal/
test_warning_words.py checks each reader's pages never show the other reader's words).

Pure: no database, no clock (callers pass the reader's `today`). Kinds are the strings of
`Signal.Kind`, so this module reads no models.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import measures

SLIDE = "sustained_slide"
PHQ9_RISE = "phq9_rise"
PHQ9_HIGH = "phq9_high"
URGENT_ITEM9 = "urgent_item9"
URGENT_CHECKIN = "urgent_checkin"
PAST_CHECKIN = "past_checkin"
URGENT = (URGENT_ITEM9, URGENT_CHECKIN)
KINDS = (URGENT_ITEM9, URGENT_CHECKIN, PAST_CHECKIN, SLIDE, PHQ9_RISE, PHQ9_HIGH)

# "on 3 of the last 7 days": how far back repeated reports are counted in the words.
RECENT_DAYS = 7
WINDOW_DAYS = 14  # the slide rule's window (journal.early_warning.WINDOW_DAYS)

# PHQ-9 item 9's answers, as the questionnaire words them (journal.questionnaires).
ITEM9_ANSWERS = {1: "several days", 2: "more than half the days", 3: "nearly every day"}


@dataclass(frozen=True)
class Words:
    title: str
    text: str
    # For the patient: what they could do next. For the team: what is asked of them.
    next_steps: tuple[str, ...] = ()


URGENT_STEPS = (
    "Please reach out now: use “Need help now?” to call or text someone tonight.",
    "Open your safety plan and follow its steps.",
    "Tell your care team, or someone you trust.",
)
PATIENT_STEPS = {
    SLIDE: (
        "Look at your safety plan, and do one small thing on it today.",
        "Tell your care team how the last couple of weeks have been. "
        "If you share your trends with them, they can see this too.",
        "If things feel unsafe, use “Need help now?” at the top of every page.",
    ),
    PHQ9_RISE: (
        "Talk with your care team about this questionnaire soon.",
        "Look at your safety plan.",
        "If things feel unsafe, use “Need help now?” at the top of every page.",
    ),
    PHQ9_HIGH: (
        "Please talk with your care team about this in the next few days.",
        "Look at your safety plan.",
        "If things feel unsafe, use “Need help now?” at the top of every page.",
    ),
    URGENT_ITEM9: URGENT_STEPS,
    URGENT_CHECKIN: URGENT_STEPS,
    PAST_CHECKIN: (
        "If those thoughts are with you now, use “Need help now?” at the top of every page.",
        "Open your safety plan, and tell your care team, or someone you trust.",
    ),
}

TEAM_STEPS = {
    SLIDE: ("Consider a check-in call or bringing the next appointment forward.",),
    PHQ9_RISE: ("Review the PHQ-9 with the patient at the next contact.",),
    PHQ9_HIGH: ("Consider whether treatment needs reviewing.",),
    URGENT_ITEM9: ("Please reach out to the patient today, and record it here.",),
    URGENT_CHECKIN: ("Please reach out to the patient today, and record it here.",),
    PAST_CHECKIN: ("Not reported as happening now: consider asking about it at the next contact.",),
}

PATIENT_TITLES = {
    SLIDE: "Your mood has been lower than usual for a while",
    PHQ9_RISE: "Your PHQ-9 went up",
    PHQ9_HIGH: "Your latest PHQ-9 is high",
    URGENT_ITEM9: "You told us about thoughts of self-harm",
    URGENT_CHECKIN: "You told us about thoughts of self-harm",
    PAST_CHECKIN: "You told us about thoughts of self-harm on an earlier day",
}
TEAM_TITLES = {
    SLIDE: "Sustained slide across several areas",
    PHQ9_RISE: "PHQ-9 up 5 or more points",
    PHQ9_HIGH: "PHQ-9 of 15 or more",
    URGENT_ITEM9: "PHQ-9 item 9 answered above zero",
    URGENT_CHECKIN: "Thoughts of self-harm reported in a check-in",
    PAST_CHECKIN: "Thoughts of self-harm reported for a past day",
}


def _join(words: Sequence[str]) -> str:
    words = list(words)
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def _area_words(names: Sequence[str], *, reader: str) -> list[str]:
    """The slide's other areas, named for the reader: the registry's sentence words for the
    patient ("how you feel about yourself"); for the team, the same words unless they speak to
    "you", then the measure's label ("self-worth")."""
    out = []
    for name in names:
        measure = measures.BY_NAME.get(name)
        if measure is None:  # a measure since removed from the registry: its name will do
            out.append(name.replace("_", " "))
            continue
        words = measure.warning_words or measure.label.lower()
        if reader == "team" and "you" in words.split():
            words = measure.label.lower()
        out.append(words)
    return out


def report_days(details: Mapping[str, Any]) -> list[dt.date]:
    """The days an urgent warning was reported on, oldest first."""
    return sorted(dt.date.fromisoformat(day) for day in details.get("days", []))


def recent_count(details: Mapping[str, Any], today: dt.date) -> int:
    """On how many of the last RECENT_DAYS days (today included) it was reported."""
    since = today - dt.timedelta(days=RECENT_DAYS - 1)
    return sum(since <= day <= today for day in report_days(details))


def _when(details: Mapping[str, Any], today: dt.date) -> str:
    """ "on 3 of the last 7 days", or "on 4 May" for a single (or an older) report."""
    count = recent_count(details, today)
    if count > 1:
        return f"on {count} of the last {RECENT_DAYS} days"
    days = report_days(details)
    if not days:
        return ""
    return f"on {days[-1].day} {days[-1]:%B}"


def _past_days(details: Mapping[str, Any]) -> str:
    """ "on Saturday 24 October", or "on 3 earlier days, the latest Saturday 24 October"."""
    days = report_days(details)
    if not days:
        return "on an earlier day"
    latest = f"{days[-1]:%A} {days[-1].day} {days[-1]:%B}"
    return f"on {latest}" if len(days) == 1 else f"on {len(days)} earlier days, the latest {latest}"


def for_patient(kind: str, details: Mapping[str, Any], *, today: dt.date) -> Words:
    """The warning as the patient reads it: second person, kind, no clinical shorthand."""
    title = PATIENT_TITLES.get(kind, "Something worth noticing")
    steps = PATIENT_STEPS.get(kind, PATIENT_STEPS[SLIDE])
    when = _when(details, today)
    when = f" {when}" if when else ""
    if kind == URGENT_ITEM9:
        text = (
            "In a PHQ-9 you told us you have had thoughts that you would be better off dead, "
            f"or of hurting yourself{when}. Thank you for telling us. Thoughts like these can "
            "pass, and you don't have to carry them alone."
        )
    elif kind == URGENT_CHECKIN:
        text = (
            f"In your check-in you told us you have had thoughts of hurting yourself{when}. "
            "Thank you for telling us. Thoughts like these can pass, and you don't have to "
            "carry them alone."
        )
    elif kind == PAST_CHECKIN:
        text = (
            "Filling in an earlier day, you told us you had thoughts of hurting yourself "
            f"{_past_days(details)}. Thank you for telling us. You don't have to carry them alone."
        )
    elif kind == SLIDE:
        areas = _join(_area_words(details.get("areas", []), reader="patient"))
        low = details.get("low_days")
        text = (
            (
                f"Your mood has been lower than your usual for {low} of the last "
                f"{WINDOW_DAYS} days, and your {areas} too. "
            )
            if low and areas
            else "Your mood has been lower than your usual for a while, and other things too. "
        ) + (
            "This is more than a bad day or two: it has lasted, and it reaches several parts "
            "of life. That is worth acting on early."
        )
    elif kind == PHQ9_RISE:
        previous, total = details.get("previous"), details.get("total")
        text = (
            f"Your PHQ-9 went up by {total - previous} points since the one before "
            f"({previous} to {total}). A rise of 5 or more is a real change, not noise."
            if previous is not None and total is not None
            else "Your PHQ-9 went up by 5 points or more since the one before. That is a "
            "real change, not noise."
        )
    elif kind == PHQ9_HIGH:
        total = details.get("total")
        text = (
            f"Your latest PHQ-9 is {total}. "
            if total is not None
            else "Your latest PHQ-9 is high. "
        ) + (
            "Scores of 15 and over mean depression is weighing heavily right now, and "
            "treatment may need a change."
        )
    else:
        text = "Something in your recent entries is worth a closer look."
    return Words(title=title, text=text, next_steps=steps)


def for_team(kind: str, details: Mapping[str, Any], *, today: dt.date) -> Words:
    """The warning as the care team reads it: third person, the numbers, what is asked."""
    title = TEAM_TITLES.get(kind, "Warning sign")
    steps = TEAM_STEPS.get(kind, ())
    when = _when(details, today)
    when = f", {when}" if when else ""
    if kind == URGENT_ITEM9:
        answer = ITEM9_ANSWERS.get(details.get("answer", 0))
        how_often = f" (“{answer}”)" if answer else ""
        text = (
            "On a PHQ-9, item 9 (thoughts of being better off dead or of self-harm) was "
            f"answered above zero{how_often}{when}."
        )
    elif kind == URGENT_CHECKIN:
        text = f"In a daily check-in, the patient reported thoughts of harming themself{when}."
    elif kind == PAST_CHECKIN:
        text = (
            "In a check-in filled in later for an earlier day, the patient reported thoughts of "
            f"harming themself {_past_days(details)}. This is about a past day: the patient did "
            "not report it as happening now."
        )
    elif kind == SLIDE:
        areas = _join(_area_words(details.get("areas", []), reader="team"))
        low, usual, mean = details.get("low_days"), details.get("usual"), details.get("mean")
        text = (
            f"Mood under the patient's usual on {low} of the last {WINDOW_DAYS} days"
            + (f" (usual {usual:g}, mean {mean:.1f} over the window)" if usual is not None else "")
            + (f", with {areas} also worse than usual." if areas else ".")
            if low
            else "Mood under the patient's usual for most of the last two weeks, with other "
            "areas also worse."
        )
    elif kind == PHQ9_RISE:
        previous, total = details.get("previous"), details.get("total")
        text = (
            f"PHQ-9 rose {total - previous} points, from {previous} to {total}: a clinically "
            "meaningful change (5 or more; Löwe et al. 2004)."
            if previous is not None and total is not None
            else "PHQ-9 rose 5 or more points since the previous one."
        )
    elif kind == PHQ9_HIGH:
        total = details.get("total")
        text = (
            f"Latest PHQ-9 total {total}: moderately severe or severe (15 and over)."
            if total is not None
            else "Latest PHQ-9 total is 15 or more (moderately severe or severe)."
        )
    else:
        text = "A warning sign the patient's entries raised."
    return Words(title=title, text=text, next_steps=steps)
