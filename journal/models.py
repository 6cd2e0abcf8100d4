"""The journal: what a patient records, and what Tideline derives from it.

Ranges are enforced twice: forms give the person a clear message, check constraints protect every
other path (admin, tasks, shell, a future API).
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from . import measures, warning_words
from .after_session import Effects

# The optional 0-10 measures (energy, interest, ...), as the registry lists them.
SCALE_FIELDS = tuple(m.name for m in measures.OPTIONAL if m.kind is measures.Kind.SCALE)


class Activity(models.Model):
    """A tag for what a day held. Built-in tags have no owner; a patient's own tags do."""

    name = models.CharField(max_length=40)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="own_activities",
    )
    position = models.PositiveSmallIntegerField(default=100)
    # Part of the trends charts' cache fingerprint: a renamed tag shows its new name at once.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="activity_unique_per_owner"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(owner__isnull=True), name="activity_builtin_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_builtin(self) -> bool:
        return self.owner_id is None


class CheckInQuerySet(models.QuerySet):
    def for_patient(self, patient):
        return self.filter(patient=patient)

    def between(self, start, end):
        return self.filter(day__range=(start, end))


class CheckIn(models.Model):
    """One per patient per local day. Saving the same day again edits it.

    Besides the fields below, a check-in has one column per measure in `journal.measures`
    (mood, energy, ..., sleep hours, appetite), added from the registry after the class, each
    with its range as a database constraint.
    """

    Appetite = measures.Appetite

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkins"
    )
    day = models.DateField(help_text="The patient's local date.")
    # None: not answered. True starts the safety flow, exactly as PHQ-9 item 9 does.
    self_harm_thoughts = models.BooleanField(null=True, blank=True)
    note = models.TextField(blank=True, max_length=5000)
    integration_shifted = models.TextField("what shifted", blank=True, max_length=3000)
    integration_carry_forward = models.TextField(
        "what I want to carry forward", blank=True, max_length=3000
    )
    activities = models.ManyToManyField(
        Activity, blank=True, related_name="checkins", through="CheckInActivity"
    )
    # Bumped on every save; a form posted from a stale tab is caught instead of overwriting.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "day"], name="checkin_one_per_day"),
            *(m.constraint() for m in measures.MEASURES),
        ]
        indexes = [
            # Covering index: a patient's daily series for charts is read from the index alone.
            models.Index(
                fields=["patient", "day"],
                include=["mood", "energy", "sleep_hours", "interest", "connection"],
                name="checkin_patient_day_cover",
            ),
            # The weekly job scans finished weeks across all patients by day.
            models.Index(fields=["day"], name="checkin_day"),
        ]

    def __str__(self) -> str:
        return f"check-in {self.pk} ({self.day})"

    # Tags go through these two: each tag row carries the check-in's day (CheckInActivity).
    def tags_set(self, activities, *, new: bool = False) -> None:
        if new:
            # A check-in made this moment has no tags yet: one insert, nothing to read first
            # (an import of ten years writes thousands of days in one go).
            unique = {a.pk: a for a in activities}
            CheckInActivity.objects.bulk_create(
                [CheckInActivity(checkin=self, activity=a, day=self.day) for a in unique.values()]
            )
            return
        self.activities.set(activities, through_defaults={"day": self.day})

    def tags_add(self, *activities) -> None:
        self.activities.add(*activities, through_defaults={"day": self.day})


for _measure in measures.MEASURES:
    CheckIn.add_to_class(_measure.name, _measure.model_field())


# The days after a session on which the check-in asks what shifted and what to carry forward,
# and the integration reminder comes (if chosen): the next day, then spaced out to a month, as
# change keeps settling well after the session itself. One check-in per day, so each of these
# prompts of a session is answered at most once.
INTEGRATION_DAYS = (1, 3, 7, 30)


class TreatmentSessionQuerySet(models.QuerySet):
    def for_patient(self, patient):
        return self.filter(patient=patient)


class TreatmentSession(models.Model):
    """A ketamine (or other) treatment session. INTEGRATION_DAYS after it, the check-in asks
    integration prompts."""

    class Kind(models.TextChoices):
        IV_INFUSION = "iv", "IV infusion"
        IM_INJECTION = "im", "IM injection"
        AT_HOME_ORAL = "oral", "At-home oral or sublingual"
        NASAL_SPRAY = "nasal", "Esketamine nasal spray"
        OTHER = "other", "Other"

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="treatment_sessions"
    )
    started_at = models.DateTimeField()
    day = models.DateField(help_text="The patient's local date of the session.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # Set by journal/services.py (`session_course`), which every path that adds a session uses.
    course = models.ForeignKey("Course", on_delete=models.RESTRICT, related_name="sessions")
    dose = models.CharField(max_length=60, blank=True)
    provider = models.CharField(max_length=120, blank=True)
    # The pre-session checklist items the patient ticked, in the words they were shown.
    checklist_ticked = models.JSONField(default=list, blank=True)
    intention = models.TextField("intention (before)", blank=True, max_length=5000)
    insights = models.TextField("insights (after)", blank=True, max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # One per rendered "Add a session" form: a double-clicked Save finds the first row instead
    # of adding a second. Empty for sessions added another way (imports, the demo).
    submission_key = models.UUIDField(null=True, blank=True, editable=False)

    objects = TreatmentSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["patient", "day"], name="session_patient_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["iv", "im", "oral", "nasal", "other"]),
                name="session_kind_known",
            ),
            models.UniqueConstraint(
                fields=["patient", "submission_key"], name="session_one_per_submission"
            ),
        ]

    def __str__(self) -> str:
        return f"session {self.pk} ({self.day})"


class CourseQuerySet(models.QuerySet):
    def for_patient(self, patient):
        return self.filter(patient=patient)

    def open(self):
        return self.filter(ended_on__isnull=True)


class Course(models.Model):
    """A course of treatment: an induction (about six sessions over two to four weeks), then
    maintenance (boosters). Each session belongs to one; a patient has at most one open course
    (no end date), which new sessions join (journal/services.py, `session_course`). Its numbers
    (baseline, response, remission, durability) are derived, never stored: journal/courses.py."""

    class Kind(models.TextChoices):
        INDUCTION = "induction", "Induction"
        MAINTENANCE = "maintenance", "Maintenance or boosters"
        OTHER = "other", "Other"

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="courses"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INDUCTION)
    medication = models.CharField(max_length=60, blank=True, default="Ketamine")
    route = models.CharField(
        max_length=8,
        choices=TreatmentSession.Kind.choices,
        default=TreatmentSession.Kind.IV_INFUSION,
    )
    started_on = models.DateField(help_text="The patient's local date of the first session.")
    planned_sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["started_on", "pk"]
        indexes = [models.Index(fields=["patient", "started_on"], name="course_patient_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["induction", "maintenance", "other"]),
                name="course_kind_known",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="course_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(planned_sessions__isnull=True)
                | Q(planned_sessions__gte=1, planned_sessions__lte=100),
                name="course_planned_sessions_1_100",
            ),
            # One open course: the one a new session joins.
            models.UniqueConstraint(
                fields=["patient"], condition=Q(ended_on__isnull=True), name="course_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"course {self.pk} ({self.get_kind_display()}, {self.started_on})"


class Instrument(models.TextChoices):
    PHQ9 = "phq9", "PHQ-9"
    GAD7 = "gad7", "GAD-7"


class QuestionnaireResponseQuerySet(models.QuerySet):
    def for_patient(self, patient):
        return self.filter(patient=patient)


class QuestionnaireResponse(models.Model):
    """A completed PHQ-9 or GAD-7. The total and band are computed on the server."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="questionnaires"
    )
    instrument = models.CharField(max_length=8, choices=Instrument.choices)
    answers = models.JSONField(help_text="Item answers, 0-3 each, in the instrument's order.")
    total = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=24)
    # PHQ-9 item 9 (thoughts of being better off dead or of self-harm), kept apart so the
    # urgent path never has to parse JSON. Null for GAD-7.
    item9 = models.PositiveSmallIntegerField(null=True, blank=True)
    day = models.DateField(help_text="The patient's local date.")
    submitted_at = models.DateTimeField()
    # One per rendered form: a double submit finds the first row instead of making a second.
    submission_key = models.UUIDField(default=uuid.uuid4, unique=True)

    objects = QuestionnaireResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(
                fields=["patient", "instrument", "-submitted_at"], name="questionnaire_latest"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(instrument__in=["phq9", "gad7"]), name="questionnaire_instrument_known"
            ),
            models.CheckConstraint(
                condition=(
                    Q(instrument="phq9", total__lte=27) | Q(instrument="gad7", total__lte=21)
                ),
                name="questionnaire_total_in_range",
            ),
            models.CheckConstraint(
                condition=Q(item9__isnull=True) | Q(item9__gte=0, item9__lte=3),
                name="questionnaire_item9_0_3",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} {self.pk} ({self.day})"


class SafetyPlan(models.Model):
    """Stanley & Brown (2012) Safety Planning Intervention: seven sections, one plan a patient."""

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_plan"
    )
    warning_signs = models.TextField("my warning signs", blank=True, max_length=3000)
    coping_strategies = models.TextField(
        "things I can do on my own to feel better", blank=True, max_length=3000
    )
    distractions = models.TextField(
        "people and places that take my mind off things", blank=True, max_length=3000
    )
    people_to_ask = models.TextField("people I can ask for help", blank=True, max_length=3000)
    professionals = models.TextField(
        "professionals and agencies I can contact", blank=True, max_length=3000
    )
    environment_safety = models.TextField(
        "making my surroundings safer", blank=True, max_length=3000
    )
    reasons_for_living = models.TextField(
        "what matters most to me and is worth living for", blank=True, max_length=3000
    )
    updated_at = models.DateTimeField(auto_now=True)

    SECTIONS = (
        "warning_signs",
        "coping_strategies",
        "distractions",
        "people_to_ask",
        "professionals",
        "environment_safety",
        "reasons_for_living",
    )

    def __str__(self) -> str:
        return f"safety plan {self.pk}"

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, s).strip() for s in self.SECTIONS)


class CheckInActivity(models.Model):
    """An activity tagged on a check-in (the table Django made for the plain many-to-many).

    `day` repeats the check-in's day, which never changes once the check-in exists: the weekly
    job finds a week's tags by it in one index range instead of one probe per check-in.
    Add tags with `CheckIn.tags_set` or `tags_add`, which fill it in.
    """

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE)
    day = models.DateField()

    class Meta:
        db_table = "journal_checkin_activities"
        unique_together = [("checkin", "activity")]
        indexes = [
            models.Index(fields=["day"], include=["checkin", "activity"], name="checkin_tag_day")
        ]

    def __str__(self) -> str:
        return f"tag {self.activity_id} on check-in {self.checkin_id}"


class WeeklySummary(models.Model):
    """A patient's local week (Monday start), computed by Celery in the database, set-based.

    Only what a page reads is stored, and every column comes from the week's own check-ins and
    tags, so a week never depends on another week or on other tables: questionnaire scores,
    response and remission are read from `QuestionnaireResponse` by the pages that show them.
    """

    # No index of its own: the unique (patient, week_start) one serves every lookup by patient,
    # and one index fewer is one fewer write for each of the rows a rebuild inserts.
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="weekly_summaries",
        db_index=False,
    )
    week_start = models.DateField()
    days_logged = models.PositiveSmallIntegerField()
    # Then one column per weekly statistic of each measure (`mood_mean`, `mood_min`, ...,
    # `sleep_hours_max`), added from `journal.measures` after the class.
    # "What helps" over a year or more: per activity tagged this week, [days tagged, their mood
    # sum], keyed by the activity's id (a string, as JSON keys are). Kept in the week's own row,
    # computed by the same statement, so a long range reads a few hundred rows and the job
    # writes one row per week instead of one per week and activity.
    activities = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["patient", "week_start"]
        verbose_name_plural = "weekly summaries"
        constraints = [
            models.UniqueConstraint(fields=["patient", "week_start"], name="weekly_one_per_week")
        ]
        # The weekly job finds one week's rows of every patient.
        indexes = [models.Index(fields=["week_start"], name="weekly_week_start")]

    def __str__(self) -> str:
        return f"week {self.week_start} of patient {self.patient_id}"


for _measure in measures.MEASURES:
    for _stat in _measure.weekly:
        WeeklySummary.add_to_class(f"{_measure.name}_{_stat}", _measure.weekly_field(_stat))


class StaleWeek(models.Model):
    """Work owed to a patient's trends: recompute this week's summary (or every week, for an
    import; or none, for a questionnaire), then re-evaluate their warning signs.

    An outbox, not hope: the row is written in the same transaction as the change that makes
    the week stale (a check-in saved or edited, a questionnaire, an import), so it exists exactly
    when the change does. The task enqueued after commit does the work and removes the row only
    afterwards, and only if nobody marked the week again meanwhile; if the broker was down, the
    task lost or the worker killed, the every-minute sweep (journal/stale.py) finds the row.
    """

    # Two made-up Mondays long before anyone's history: "every week of the patient's" (what an
    # import leaves to do) and "no week, the warning signs alone" (a questionnaire: no weekly
    # summary holds a score).
    EVERY_WEEK = dt.date(1, 1, 1)
    NO_WEEK = dt.date(1, 1, 8)

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    week = models.DateField()  # a Monday, or EVERY_WEEK, or NO_WEEK
    # When the week was last marked: the sweep takes rows older than a few minutes, and a task
    # removes a row only if this is still the moment it saw before recomputing.
    marked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "week"], name="staleweek_one_per_week")
        ]
        indexes = [models.Index(fields=["marked_at"], name="staleweek_marked_at")]

    def __str__(self) -> str:
        return f"stale week {self.week} of patient {self.patient_id}"


class Signal(models.Model):
    """A warning sign, as one current card per patient and kind.

    It stores facts, never sentences: `details` holds what `journal.warning_words` needs to
    write it for the patient and, differently, for the care team (counts, scores, the areas
    that moved, the days self-harm was reported). A repeated report updates the open card
    instead of adding one (`reports`, `last_reported_at`; each report is a `SignalReport`).
    A card rests (`resolved_at`, with `resolution` saying why) when the rule no longer holds,
    after calm days, or when the patient says they are safe now; rested cards are kept.
    """

    class Kind(models.TextChoices):
        URGENT_ITEM9 = "urgent_item9", "PHQ-9 item 9 answered above zero"
        URGENT_CHECKIN = "urgent_checkin", "Thoughts of self-harm reported in a check-in"
        # A "yes" in a check-in filled in later for an earlier day (journal/signals.py
        # SELF_HARM_CURRENT_DAYS): the team should know, but it is not happening now, so it
        # raises no urgent flag and no alert email.
        PAST_CHECKIN = "past_checkin", "Thoughts of self-harm reported for a past day"
        SUSTAINED_SLIDE = "sustained_slide", "A sustained slide across several areas"
        PHQ9_RISE = "phq9_rise", "PHQ-9 up 5 or more points"
        PHQ9_HIGH = "phq9_high", "PHQ-9 of 15 or more"

    class Resolution(models.TextChoices):
        CLEARED = "cleared", "The rule no longer holds"
        CALM = "calm", "Calm days since the last report"
        SAFE_NOW = "safe_now", "The patient said they are safe now"
        # Only migration 0010 writes it: cards of one kind that were open side by side.
        MERGED = "merged", "Merged into the current card"

    URGENT_KINDS = (Kind.URGENT_ITEM9, Kind.URGENT_CHECKIN)
    SELF_HARM_KINDS = (Kind.URGENT_ITEM9, Kind.URGENT_CHECKIN, Kind.PAST_CHECKIN)

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signals"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    # What made it unique when it was first raised: a questionnaire id, a check-in day, a
    # slide's week. Running detection twice finds the same key and creates nothing new.
    dedupe_key = models.CharField(max_length=64)
    started_on = models.DateField()
    detected_at = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True)
    # How many reports the card holds (urgent kinds: each check-in day or PHQ-9 with a "yes";
    # 1 for the rule's kinds), and when the latest came: the team has acted on a report only
    # if it reached out after this.
    reports = models.PositiveSmallIntegerField(default=1)
    last_reported_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=12, choices=Resolution.choices, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="acknowledged_signals",
    )

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind", "dedupe_key"], name="signal_unique_occurrence"
            ),
            # One current card per kind: a second "yes" updates the first card.
            models.UniqueConstraint(
                fields=["patient", "kind"],
                condition=Q(resolved_at__isnull=True),
                name="signal_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True)
                | Q(acknowledged_at__gte=F("detected_at")),
                name="signal_ack_after_detection",
            ),
            models.CheckConstraint(
                condition=Q(last_reported_at__gte=F("detected_at")),
                name="signal_reported_after_detection",
            ),
        ]
        indexes = [
            models.Index(
                fields=["patient", "-detected_at"],
                condition=Q(resolved_at__isnull=True),
                name="signal_active_by_patient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} signal {self.pk}"

    @property
    def is_urgent(self) -> bool:
        return self.kind in self.URGENT_KINDS

    def words_for_patient(self, today):
        return warning_words.for_patient(self.kind, self.details, today=today)

    def words_for_team(self, today):
        return warning_words.for_team(self.kind, self.details, today=today)


class ImportJob(models.Model):
    """A file a patient brought in to import (journal/imports): kept from the upload, through
    the preview, to the end of its import, then emptied. Named in URLs by a random id; its task
    gets only the primary key, never the file."""

    class Source(models.TextChoices):
        DAYLIO = "daylio", "Daylio"
        TIDELINE = "tideline", "Tideline"

    class Status(models.TextChoices):
        PREVIEW = "preview", "Waiting for your choices"
        QUEUED = "queued", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Not imported"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    file_name = models.CharField(max_length=200, blank=True)
    payload = models.BinaryField(help_text="The file, until it is imported.")
    choices = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PREVIEW)
    days = models.PositiveIntegerField(default=0, help_text="Days to write, for the progress.")
    result = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["preview", "queued", "done", "failed"]),
                name="import_status_known",
            )
        ]

    def __str__(self) -> str:
        return f"import {self.pk}"


class AppointmentReport(models.Model):
    """A patient's report for an appointment (journal/report): a range of days and what they
    want to talk about. Its figures are read from the journal each time it is shown, so they
    always match it. Shared, the care teams the patient shares trends with see it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    start = models.DateField()
    end = models.DateField()
    talk_about = models.TextField("what I want to talk about", blank=True, max_length=3000)
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-end", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="report_end_after_start")
        ]
        indexes = [models.Index(fields=["patient", "-end"], name="report_patient_recent")]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.start} to {self.end})"


class SignalReport(models.Model):
    """One report behind an urgent card: a check-in day, or a PHQ-9, with thoughts of
    self-harm. Unique per (patient, kind, key), so saving the same day again, or a double
    submit, adds nothing, even after the card has rested."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="report_rows")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=Signal.Kind.choices)
    key = models.CharField(max_length=64)
    day = models.DateField(help_text="The patient's local date of the report.")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "kind", "key"], name="signal_report_once")
        ]

    def __str__(self) -> str:
        return f"report {self.pk} of signal {self.signal_id}"


class MedicationQuerySet(models.QuerySet):
    def for_patient(self, patient):
        return self.filter(patient=patient)


class Medication(models.Model):
    """A medication the patient takes or took, as they enter it: its starting dose, how often,
    start and stop. Each later dose is a `MedicationChange`. Starts, dose changes and stops are
    markers on the time charts, as sessions are."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="medications"
    )
    name = models.CharField(max_length=80)
    dose = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    how_often = models.CharField(max_length=60, blank=True)
    started_on = models.DateField()
    stopped_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MedicationQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "name"]
        indexes = [models.Index(fields=["patient", "started_on"], name="medication_patient_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(stopped_on__isnull=True) | Q(stopped_on__gte=F("started_on")),
                name="medication_stops_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(dose__isnull=True) | Q(dose__gt=0), name="medication_dose_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"medication {self.pk}"


class MedicationChange(models.Model):
    """A new dose from `day` on."""

    medication = models.ForeignKey(Medication, on_delete=models.CASCADE, related_name="changes")
    day = models.DateField()
    dose = models.DecimalField(max_digits=8, decimal_places=2)
    unit = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(dose__gt=0), name="medication_change_dose_positive"),
            models.UniqueConstraint(
                fields=["medication", "day"], name="medication_change_one_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"medication change {self.pk} ({self.day})"


class SessionCheck(models.Model):
    """The after-session self-check (journal/after_session.py): how the session felt (0-10),
    after-effects rated 0-3 each, and an optional blood pressure before and after. One per
    session and moment (the evening of, the day after): saving again edits it."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="checks")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_checks"
    )
    moment = models.CharField(max_length=10)
    felt = models.PositiveSmallIntegerField(null=True, blank=True)
    effects = models.JSONField(default=dict, blank=True)  # {key: 1-3}; none is left out
    bp_before_systolic = models.PositiveSmallIntegerField(null=True, blank=True)
    bp_before_diastolic = models.PositiveSmallIntegerField(null=True, blank=True)
    bp_after_systolic = models.PositiveSmallIntegerField(null=True, blank=True)
    bp_after_diastolic = models.PositiveSmallIntegerField(null=True, blank=True)
    saved_at = models.DateTimeField(auto_now=True)
    # A check a care-team member entered for the patient (Scope.CLINIC_ENTRIES): who and for
    # which team, the team's name kept so the marking survives the member leaving. Empty:
    # the patient's own.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="session_checks_entered",
    )
    entered_by_name = models.CharField(max_length=150, blank=True)
    entered_by_team = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-saved_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "moment"], name="session_check_one_a_moment"
            ),
            models.CheckConstraint(
                condition=Q(moment__in=["evening", "next_day"]), name="session_check_moment_known"
            ),
            models.CheckConstraint(
                condition=Q(felt__isnull=True) | Q(felt__lte=10), name="session_check_felt_0_10"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True})
                    | Q(**{f"{name}__gte": low, f"{name}__lte": high}),
                    name=f"session_check_{name}_range",
                )
                for name, low, high in (
                    ("bp_before_systolic", 60, 260),
                    ("bp_after_systolic", 60, 260),
                    ("bp_before_diastolic", 30, 160),
                    ("bp_after_diastolic", 30, 160),
                )
            ),
        ]

    def __str__(self) -> str:
        return f"session check {self.pk}"

    @property
    def by_team(self) -> bool:
        return bool(self.entered_by_team)

    @property
    def noticed(self) -> list[tuple[str, str]]:
        """(words, level words) of each after-effect rated above none, for pages."""
        return Effects(self.effects).noticed()

    @property
    def severe(self) -> list[str]:
        return Effects(self.effects).severe()
