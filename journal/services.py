"""Writes to the journal. Views, the demo seeder and any future import call these, so each rule
(which days may be logged, stale tabs, double submits, the safety flow) is written once."""

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from config.enqueue import enqueue_on_commit

from . import measures
from .models import (
    INTEGRATION_DAYS,
    Activity,
    CheckIn,
    QuestionnaireResponse,
    SafetyPlan,
    Signal,
    StaleWeek,
)
from .models import TreatmentSession as Session
from .questionnaires import score
from .signals import checkin_self_harm_kind, urgent_signal_record
from .stale import stale_week_mark
from .tasks import imported_history_refresh, warning_signs_refresh, weekly_summary_refresh
from .treatment import course_tidy, session_course

# How far back a missed day may be filled in. A year covers "I forgot over the holidays" without
# letting a typo in a URL rewrite someone's distant history.
BACKFILL_DAYS = 365
# A patient may keep this many tags of their own; more is almost always a mistake or a script.
OWN_TAG_LIMIT = 60
# What does the trends work when its task is lost (journal/stale.py), as the log says.
STALE_SWEEP = "the stale-weeks sweep (every minute)"

# What a check-in holds besides its day and tags: every measure, then the words.
CHECKIN_VALUE_FIELDS = (
    *measures.NAMES,
    "self_harm_thoughts",
    "note",
    "integration_shifted",
    "integration_carry_forward",
)


class StaleCheckIn(Exception):
    """The day was saved from somewhere else after this form was opened."""

    def __init__(self, current: CheckIn):
        super().__init__("stale check-in form")
        self.current = current


class CheckInData:
    """A check-in as a form or a script hands it to `checkin_save`: the measures by name
    (`journal.measures`; mood is required, the others default to not answered), then the rest.
    `CheckInData(mood=6, energy=4, note="...")`."""

    def __init__(
        self,
        *,
        self_harm_thoughts: bool | None = None,
        note: str = "",
        integration_shifted: str = "",
        integration_carry_forward: str = "",
        activities: list[Activity] | None = None,
        new_tag: str = "",
        **values: Any,
    ):
        unknown = set(values) - set(measures.NAMES)
        if unknown:
            raise TypeError(f"not a check-in measure: {', '.join(sorted(unknown))}")
        missing = [m.name for m in measures.MEASURES if m.required and values.get(m.name) is None]
        if missing:
            raise TypeError(f"a check-in needs {', '.join(missing)}")
        self.measures = {
            m.name: values.get(m.name, "" if m.kind is measures.Kind.CHOICE else None)
            for m in measures.MEASURES
        }
        self.self_harm_thoughts = self_harm_thoughts
        self.note = note
        self.integration_shifted = integration_shifted
        self.integration_carry_forward = integration_carry_forward
        self.activities = list(activities or [])
        self.new_tag = new_tag

    def __getattr__(self, name: str) -> Any:
        # data.mood, data.sleep_hours: a measure's value by its name.
        try:
            return self.__dict__["measures"][name]
        except KeyError:
            raise AttributeError(name) from None

    def as_fields(self) -> dict:
        return {
            **self.measures,
            "self_harm_thoughts": self.self_harm_thoughts,
            "note": self.note,
            "integration_shifted": self.integration_shifted,
            "integration_carry_forward": self.integration_carry_forward,
        }


def checkin_day_check(*, patient, day: dt.date, oldest: dt.date | None = None) -> None:
    """Refuse a day that hasn't happened yet in the patient's zone, or one too far back: before
    `oldest` (an import's reach), or by default more than BACKFILL_DAYS ago."""
    today = patient.today()
    if day > today:
        raise ValidationError(
            "That day hasn't happened yet where you are, so it can't be logged. "
            "You can check in for today or an earlier day.",
            code="future",
        )
    if oldest is not None:
        if day < oldest:
            raise ValidationError(
                f"Days before {oldest:%-d %B %Y} can't be brought in.", code="too_old"
            )
    elif day < today - dt.timedelta(days=BACKFILL_DAYS):
        raise ValidationError(
            f"Days more than {BACKFILL_DAYS} days ago can't be added or changed. "
            "Please choose a more recent day.",
            code="too_old",
        )


def integration_session_for(*, patient, day: dt.date) -> Session | None:
    """The treatment session with an integration prompt on `day` (session day +1, +3, +7 or
    +30: INTEGRATION_DAYS), if any; the latest when two sessions have one that day.

    The days right after a session are when change is most open to reflection, so the check-in
    asks what shifted and what to carry forward then, and again as it settles over a month.
    """
    return (
        Session.objects.for_patient(patient)
        .filter(day__in=[day - dt.timedelta(days=n) for n in INTEGRATION_DAYS])
        .order_by("-day", "-started_at")
        .first()
    )


def _find_tag(*, patient, name: str) -> Activity | None:
    """A built-in or own tag with this name, whatever its case; a built-in wins."""
    name = " ".join(name.split())
    return (
        Activity.objects.filter(Q(owner__isnull=True) | Q(owner=patient))
        .annotate(lname=Lower("name"))
        .filter(lname=name.lower())
        .order_by("owner")
        .first()
    )


def _own_tag(*, patient, name: str) -> Activity:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("A tag needs a name.", code="tag_empty")
    if len(name) > 40:
        raise ValidationError("Please keep a tag to 40 characters or fewer.", code="tag_long")
    existing = _find_tag(patient=patient, name=name)
    if existing is not None:
        return existing
    if Activity.objects.filter(owner=patient).count() >= OWN_TAG_LIMIT:
        raise ValidationError(
            f"You already have {OWN_TAG_LIMIT} tags of your own. Please reuse one of them.",
            code="tag_limit",
        )
    try:
        with transaction.atomic():
            return Activity.objects.create(owner=patient, name=name)
    except IntegrityError:
        return Activity.objects.get(owner=patient, name=name)


@transaction.atomic
def activity_create(*, patient, name: str) -> Activity:
    """A tag of the patient's own (or the built-in / own tag that already has this name)."""
    return _own_tag(patient=patient, name=name)


def _same_content(checkin: CheckIn, values: dict, activity_ids: set[int]) -> bool:
    current_ids = set(checkin.activities.values_list("pk", flat=True))
    return current_ids == activity_ids and all(
        getattr(checkin, name) == value for name, value in values.items()
    )


def checkin_save(
    *, patient, day: dt.date, data: CheckInData, expected_version: int | None = None
) -> CheckIn:
    """Create or edit the patient's check-in for their local `day`, in one transaction.

    `expected_version` is the version the form was rendered from (0 for a new day; None skips the
    check, for scripts). If the day was saved elsewhere since, `StaleCheckIn` is raised with the
    current row instead of overwriting it, unless the post carries exactly what is saved already
    (a double submit), which returns the row unchanged. "Yes" to the self-harm question records an
    urgent signal keyed on the day, so saving the day again does not add another; that answer is
    kept even from a stale tab (it is never lost), the rest of a stale form is not applied.
    """
    with transaction.atomic():
        checkin, stale = _checkin_write(
            patient=patient, day=day, data=data, expected_version=expected_version
        )
        _trends_refresh_after_commit(patient=patient, day=day)
    if stale:
        raise StaleCheckIn(checkin)
    return checkin


def _checkin_write(
    *,
    patient,
    day,
    data: CheckInData,
    expected_version,
    oldest: dt.date | None = None,
    urgent: bool = True,
    known_new: bool = False,
    from_file: bool = False,
) -> tuple[CheckIn, bool]:
    checkin_day_check(patient=patient, day=day, oldest=oldest)
    activities = list(data.activities)
    if any(a.owner_id not in (None, patient.pk) for a in activities):
        raise ValidationError("One of the tags isn't available. Please choose from the list.")
    has_reflection = data.integration_shifted or data.integration_carry_forward
    if (
        has_reflection
        and not from_file
        and integration_session_for(patient=patient, day=day) is None
    ):
        # Outside the window the prompts aren't shown; never keep a stray value posted anyway.
        # A file the patient brings in (their own export) keeps what they wrote on any day:
        # reflections written under an earlier prompt rule are theirs too.
        data.integration_shifted = ""
        data.integration_carry_forward = ""
    values = data.as_fields()
    activity_ids = {a.pk for a in activities}
    if data.new_tag.strip():
        known = _find_tag(patient=patient, name=data.new_tag)
        activity_ids.add(known.pk if known else -1)  # -1: a tag still to be made, so "changed"

    # `known_new`: the caller read the patient's days in this transaction and this one was not
    # there (an import), so go straight to the insert; a row made meanwhile by another request
    # still fails it and is edited instead, as below.
    checkin = (
        None
        if known_new
        else CheckIn.objects.select_for_update().filter(patient=patient, day=day).first()
    )
    created = False
    if checkin is None:
        try:
            with transaction.atomic():
                checkin = CheckIn.objects.create(patient=patient, day=day, **values)
                created = True
        except IntegrityError:
            # Another request created the day between our read and our insert (a double submit
            # or a second tab): go on as an edit of that row, with the same stale check.
            checkin = CheckIn.objects.select_for_update().get(patient=patient, day=day)
    if not created:
        kept_words = checkin.integration_shifted or checkin.integration_carry_forward
        if (
            kept_words
            and not (values["integration_shifted"] or values["integration_carry_forward"])
            and integration_session_for(patient=patient, day=day) is None
        ):
            # Written when this day had a prompt (before the prompts' days became 1, 3, 7 and
            # 30); today's form has none to clear it with, so an edit keeps those words.
            values["integration_shifted"] = checkin.integration_shifted
            values["integration_carry_forward"] = checkin.integration_carry_forward
        if _same_content(checkin, values, activity_ids):
            return checkin, False
        if expected_version is not None and expected_version != checkin.version:
            if data.self_harm_thoughts and urgent:
                if not checkin.self_harm_thoughts:
                    checkin.self_harm_thoughts = True
                    checkin.version += 1
                    checkin.save(update_fields=["self_harm_thoughts", "version", "updated_at"])
                _urgent_checkin(patient=patient, day=day)
            return checkin, True
        checkin = _update(checkin, values)
    if data.new_tag.strip():
        activities.append(_own_tag(patient=patient, name=data.new_tag))
    checkin.tags_set(activities, new=created)
    if data.self_harm_thoughts and urgent:
        _urgent_checkin(patient=patient, day=day)
    return checkin, False


# --- Bringing history in (journal/imports) ---

# How far back an import may reach. The check-in form's year (BACKFILL_DAYS) stops a typo in a
# URL from rewriting old history; an import is a deliberate act the person has previewed, and
# people arrive with a decade of another app's entries.
IMPORT_YEARS = 30
# An imported "yes" to thoughts of self-harm (our own file read back) starts the safety flow
# only for a day this recent: it is a reason to act now, not a report about years ago. Older
# answers are kept on their day as they were.
IMPORT_URGENT_DAYS = 14


@dataclass
class ImportCounts:
    created: int = 0  # new days
    replaced: int = 0  # days already here, overwritten as the person chose
    unchanged: int = 0  # days already here holding exactly what the file says
    kept: int = 0  # days already here, left alone


def import_oldest(patient) -> dt.date:
    return patient.today() - dt.timedelta(days=366 * IMPORT_YEARS)


def checkins_import(
    *,
    patient,
    days: list[tuple[dt.date, CheckInData]],
    overwrite: bool,
    progress: Callable[[int], None] | None = None,
) -> ImportCounts:
    """Bring in many days at once, each written by the check-in form's own rules (the day's
    reach, one row a day, tags only of the patient's own or built in), in one transaction.

    A day already in Tideline is left alone unless `overwrite`; writing exactly what is saved
    changes nothing, so importing the same file twice creates nothing new. The weekly summaries
    and warning signs (a questionnaire brought in with them included) are worked out once,
    after commit, not once a day. `progress(n)` hears how many days are done, every
    PROGRESS_EVERY days.
    """
    counts = ImportCounts()
    today = patient.today()
    oldest = import_oldest(patient)
    with transaction.atomic():
        first, last = (
            min((d for d, _ in days), default=today),
            max((d for d, _ in days), default=today),
        )
        versions = dict(
            CheckIn.objects.for_patient(patient)
            .filter(day__range=(first, last))
            .values_list("day", "version")
        )
        for done, (day, data) in enumerate(days, start=1):
            new = day not in versions
            if not new and not overwrite:
                counts.kept += 1
            else:
                checkin, stale = _checkin_write(
                    patient=patient,
                    day=day,
                    data=data,
                    # A new day is written as the form writes one (version 0): if the person
                    # saved it elsewhere meanwhile, theirs stays.
                    expected_version=0 if new else None,
                    oldest=oldest,
                    urgent=(today - day).days < IMPORT_URGENT_DAYS,
                    known_new=new,
                    from_file=True,
                )
                if stale:
                    counts.kept += 1
                elif new:
                    counts.created += 1
                elif checkin.version != versions[day]:
                    counts.replaced += 1
                else:
                    counts.unchanged += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done)
        # Every week, once, after commit; the outbox row makes sure of it if the task is lost.
        stale_week_mark(patient_id=patient.pk, week=StaleWeek.EVERY_WEEK)
        enqueue_on_commit(imported_history_refresh, caught_up_by=STALE_SWEEP, patient_id=patient.pk)
    return counts


PROGRESS_EVERY = 100


def _trends_refresh_after_commit(*, patient, day: dt.date) -> None:
    """Recompute the patient's week and re-evaluate early warnings once this save commits. The
    week is marked stale in this transaction (journal/stale.py), so if the broker is down or
    loses the task the save still stands and the every-minute sweep does the work. Ids only in
    the task."""
    stale_week_mark(patient_id=patient.pk, day=day)
    enqueue_on_commit(
        weekly_summary_refresh, caught_up_by=STALE_SWEEP, patient_id=patient.pk, day=day.isoformat()
    )


def _urgent_checkin(*, patient, day: dt.date) -> None:
    urgent_signal_record(
        patient=patient,
        kind=checkin_self_harm_kind(day=day, today=patient.today()),
        dedupe_key=day.isoformat(),
        started_on=day,
    )


def _update(checkin: CheckIn, values: dict) -> CheckIn:
    for name, value in values.items():
        setattr(checkin, name, value)
    checkin.version += 1
    checkin.save()
    return checkin


# --- Treatment sessions ---

SESSION_PAST_DAYS = 10 * 366
SESSION_FUTURE_DAYS = 366


@dataclass
class SessionData:
    day: dt.date
    time: dt.time
    kind: str
    dose: str = ""
    provider: str = ""
    intention: str = ""
    insights: str = ""


@transaction.atomic
def treatment_session_save(
    *,
    patient,
    data: SessionData,
    session: Session | None = None,
    submission_key: uuid.UUID | None = None,
) -> Session:
    """Add a session (or edit `session`, which must be the patient's). The date and time are the
    patient's local ones; `started_at` is stored in UTC and `day` is the local date.

    A new session with a `submission_key` (one per rendered form) is added once: the same form
    posted again (a double click, the back button, two tabs at once) returns the first row,
    unique per patient and key in the database."""
    if session is not None and session.patient_id != patient.pk:
        raise ValidationError("That session isn't yours.")
    if session is None and submission_key is not None:
        earlier = Session.objects.filter(patient=patient, submission_key=submission_key).first()
        if earlier is not None:
            return earlier
    today = patient.today()
    if data.day > today + dt.timedelta(days=SESSION_FUTURE_DAYS):
        raise ValidationError("Please choose a date within the next year.", code="future")
    if data.day < today - dt.timedelta(days=SESSION_PAST_DAYS):
        raise ValidationError("Please choose a date within the last ten years.", code="too_old")
    started_at = dt.datetime.combine(data.day, data.time, tzinfo=patient.zoneinfo)
    adding = session is None
    session = session or Session(patient=patient)
    session.started_at = started_at.astimezone(dt.UTC)
    session.day = data.day
    session.kind = data.kind
    session.dose = data.dose
    session.provider = data.provider
    session.intention = data.intention
    session.insights = data.insights
    moved_from = None
    if session.pk is None or not (
        session.course.started_on <= data.day
        and (session.course.ended_on is None or data.day <= session.course.ended_on)
    ):
        moved_from = session.course if session.pk is not None else None
        session.course = session_course(
            patient=patient,
            day=data.day,
            route=data.kind,
            exclude_session=session if session.pk else None,
        )
    if adding:
        session.submission_key = submission_key
    session.full_clean(exclude=["patient"])
    # Nothing to recompute: no weekly summary or warning sign reads sessions (the trends page
    # reads them as they are).
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError:
        # The same form, posted at the same moment by a second click: that one saved it.
        winner = None
        if adding and submission_key is not None:
            winner = Session.objects.filter(patient=patient, submission_key=submission_key).first()
        if winner is None:
            raise
        return winner
    if moved_from is not None:
        course_tidy(moved_from)
    return session


# --- Questionnaires ---


@dataclass
class QuestionnaireResult:
    response: QuestionnaireResponse
    created: bool

    @property
    def needs_safety_flow(self) -> bool:
        return bool(self.response.item9)


@transaction.atomic
def questionnaire_submit(
    *, patient, instrument: str, answers: list[int], submission_key: uuid.UUID
) -> QuestionnaireResult:
    """Score on the server and store a PHQ-9 or GAD-7 once per rendered form.

    A second post of the same form (double submit, back button) returns the first row. PHQ-9 item
    9 above 0 records an urgent signal keyed on the response id.
    """
    try:
        result = score(instrument, answers)
    except ValueError as exc:
        raise ValidationError("Please answer every question with one of the choices.") from exc
    existing = QuestionnaireResponse.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        if existing.patient_id != patient.pk or existing.instrument != instrument:
            raise ValidationError("This form has expired. Please open the questionnaire again.")
        return QuestionnaireResult(existing, created=False)
    try:
        with transaction.atomic():
            response = QuestionnaireResponse.objects.create(
                patient=patient,
                instrument=instrument,
                answers=answers,
                total=result.total,
                band=result.band,
                item9=result.item9,
                day=patient.today(),
                submitted_at=timezone.now(),
                submission_key=submission_key,
            )
    except IntegrityError:
        winner = QuestionnaireResponse.objects.filter(
            submission_key=submission_key, patient=patient, instrument=instrument
        ).first()
        if winner is None:
            raise ValidationError(
                "This form has expired. Please open the questionnaire again."
            ) from None
        return QuestionnaireResult(winner, created=False)
    if response.item9:
        urgent_signal_record(
            patient=patient,
            kind=Signal.Kind.URGENT_ITEM9,
            dedupe_key=str(response.pk),
            started_on=response.day,
            answer=response.item9,
        )
    # A new score may raise or settle a warning sign (a PHQ-9 up 5 or more, or of 15 or more);
    # no weekly summary holds a score. Recorded with the response (the signs alone), then
    # done after commit, as for a check-in.
    stale_week_mark(patient_id=patient.pk, week=StaleWeek.NO_WEEK)
    enqueue_on_commit(warning_signs_refresh, caught_up_by=STALE_SWEEP, patient_id=patient.pk)
    return QuestionnaireResult(response, created=True)


# --- Safety plan ---


@transaction.atomic
def safety_plan_save(*, patient, sections: dict[str, str]) -> SafetyPlan:
    """Create or update the patient's Stanley-Brown safety plan."""
    unknown = set(sections) - set(SafetyPlan.SECTIONS)
    if unknown:
        raise ValueError("unknown safety plan section")
    plan, _ = SafetyPlan.objects.select_for_update().get_or_create(patient=patient)
    for name, value in sections.items():
        setattr(plan, name, value.strip())
    plan.full_clean(exclude=["patient"])
    plan.save()
    return plan


SAFETY_PLAN_STEP_MAX = 3000  # each step's max_length (journal.models.SafetyPlan)


@transaction.atomic
def safety_plan_add(*, patient, section: str, text: str) -> SafetyPlan:
    """Add `text` to one step of the patient's plan, on a line of its own (what accepting a
    care team's suggestion does: only the patient's own action calls it)."""
    if section not in SafetyPlan.SECTIONS:
        raise ValueError("unknown safety plan section")
    plan, _ = SafetyPlan.objects.select_for_update().get_or_create(patient=patient)
    current = getattr(plan, section).strip()
    combined = f"{current}\n{text.strip()}" if current else text.strip()
    # A TextField's max_length binds forms only; the plan's editing form would refuse this.
    if len(combined) > SAFETY_PLAN_STEP_MAX:
        raise ValidationError(
            "That step of your plan would be too long with this added. Shorten it first, "
            "then accept the suggestion."
        )
    setattr(plan, section, combined)
    plan.save()
    return plan
