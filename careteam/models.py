"""Care teams, the patient's consent (a Share with a scope), invitations and the access log."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.timezones import end_of_local_day
from journal.access import Scope
from journal.models import Instrument
from journal.safety import section_label


class ScopeField(models.PositiveSmallIntegerField):
    """One `journal.access.Scope` value (any set of scopes), stored as its bits. Filter with
    `scope__has=Scope.NOTES`: true when every bit asked for is set."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else Scope(value)

    def to_python(self, value):
        value = super().to_python(value)
        return None if value is None else Scope(value)


@ScopeField.register_lookup
class HasScope(models.Lookup):
    lookup_name = "has"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"({lhs} & {rhs}) = {rhs}", [*lhs_params, *rhs_params, *rhs_params]


class CareTeam(models.Model):
    name = models.CharField(max_length=120)
    # Short code a clinic can read out or print; a patient types it to connect.
    join_code = models.CharField(max_length=12, unique=True)
    crisis_note = models.TextField(
        blank=True,
        help_text="Extra crisis contacts this team wants its patients to see (plain text).",
    )
    pre_session_checklist = models.TextField(
        "pre-session checklist",
        blank=True,
        max_length=2000,
        help_text="What patients tick before a session, one item per line, in neutral words "
        "(for example: A ride home is arranged). Leave empty for Tideline's default.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def new_join_code() -> str:
        # No 0/O/1/I: codes are read aloud and typed on phones.
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        return "".join(secrets.choice(alphabet) for _ in range(8))


class Membership(models.Model):
    class Role(models.TextChoices):
        CLINICIAN = "clinician", "Clinician"
        COACH = "coach", "Integration coach"
        TEAM_ADMIN = "team_admin", "Team admin"

    team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CLINICIAN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_once_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


class ShareQuerySet(models.QuerySet):
    def active(self, *, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )

    def covering(self, scope: Scope):
        """Shares whose scope includes every part of `scope`."""
        return self.filter(scope__has=scope)


# The furthest a last day of sharing may lie ahead. Far enough for anyone's plans; a date
# like 9999-12-31 is a typo (and its next midnight, when the share ends, is past the calendar).
SHARE_END_MAX_DAYS = 10 * 366
SHARE_END_TOO_FAR = (
    "Choose a date in the next ten years, or leave it empty to share until you stop."
)


class Share(models.Model):
    """A patient's consent for one team to see their data, in a scope, until revoked."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares"
    )
    team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="shares")
    # What the team may see: one value, any set of scopes. Trends and questionnaires are the
    # core of sharing and on by default; notes, the most personal, only if the patient says so.
    scope = ScopeField(default=Scope.TRENDS.value)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The last day of sharing, as the patient chose it (their own calendar), and the instant it
    # ends: their next local midnight. Access is decided by the instant, so a patient far from
    # the server's time zone is never shared with for hours past the day they chose.
    expires_on = models.DateField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ShareQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "team"],
                condition=Q(revoked_at__isnull=True),
                name="share_one_active_per_team",
            ),
            # A share shows something; sharing nothing is "Stop sharing".
            models.CheckConstraint(condition=Q(scope__gt=0), name="share_scope_not_empty"),
        ]
        indexes = [models.Index(fields=["team", "patient"], name="share_team_patient")]

    def __str__(self) -> str:
        return f"share {self.pk}"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        # Only when the last day is written: a revoke or a scope change needs no patient lookup.
        if update_fields is None or "expires_on" in update_fields:
            self.expires_at = (
                end_of_local_day(self.expires_on, self.patient.time_zone)
                if self.expires_on
                else None
            )
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "expires_at"}
        super().save(*args, **kwargs)


class Invitation(models.Model):
    """Single-use, expiring. Only a hash of the token is stored: a database leak is not a key."""

    class Kind(models.TextChoices):
        MEMBER = "member", "Join the care team"
        PATIENT = "patient", "Share with the care team"

    team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=16, choices=Membership.Role.choices, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["member", "patient"]), name="invitation_kind_known"
            ),
            # A member invitation names the address it was sent to and the role it grants.
            models.CheckConstraint(
                condition=Q(kind="patient") | (~Q(email="") & ~Q(role="")),
                name="invitation_member_has_email_and_role",
            ),
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk}"

    def is_usable(self, *, now=None) -> bool:
        return self.used_at is None and self.expires_at > (now or timezone.now())

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)


class AccessEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log is append-only.")

    def delete(self):
        raise PermissionError("The access log is append-only.")

    def for_patient(self, patient):
        return self.filter(patient=patient)


class AccessEvent(models.Model):
    """One look at a patient's data by someone other than the patient. Append-only.

    The app cannot change or delete a row: `save()`/`delete()` refuse here, and on PostgreSQL a
    trigger (migration 0003) raises on any UPDATE or DELETE the app sends. Deleting an account
    must still work, so the two foreign keys are enforced by the database itself, not by
    Django's collector: `ON DELETE CASCADE` for the patient (their log goes with their account)
    and `ON DELETE SET NULL` for the viewer (the look stays, the person is forgotten: a trigger
    on the user table also blanks the name and address kept with the line, migration 0007). The
    trigger lets through only those actions (they run one trigger level deep), never a statement
    the app sends. On SQLite (development) a trigger on the user table does the same.

    Lines are never merged or updated: "Who viewed my data" collapses repeated looks when it
    reads them (careteam/access_log.py).
    """

    # DO_NOTHING + db_constraint=False: the database (migration 0003) owns these actions.
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    viewer_role = models.CharField(max_length=16, blank=True)
    # Who the viewer was when they looked, as the patient reads it: kept with the line, so a
    # later change of name or address cannot rewrite history. Blanked (in the database, by
    # migration 0007's trigger) only when the viewer's account is deleted. A null email marks
    # a line written before these were kept; it shows the account's current name.
    viewer_name = models.CharField(max_length=80, blank=True, default="")
    viewer_email = models.EmailField(null=True, blank=True)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="access_events",
    )
    what = models.CharField(max_length=40)
    allowed = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["patient", "-at"], name="access_patient_recent")]

    def __str__(self) -> str:
        return f"access {self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:  # a row read from the table: only new looks are written
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")


class ContactDetails(models.Model):
    """How the patient's care teams may reach them, typed by the patient. A team sees it only
    while the patient's share with it includes "How to reach me" (Scope.CONTACT); clearing both
    fields deletes the row."""

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_details"
    )
    phone = models.CharField("phone number", max_length=32, blank=True)
    email = models.EmailField("email address", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "contact details"
        constraints = [
            models.CheckConstraint(
                condition=~Q(phone="") | ~Q(email=""), name="contact_details_not_empty"
            )
        ]

    def __str__(self) -> str:
        return f"contact details {self.pk}"


class OutreachQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Outreach records are append-only.")

    def delete(self):
        raise PermissionError("Outreach records are append-only.")


class Outreach(models.Model):
    """A care-team member's record of reaching out to a patient: when, how, what came of it,
    and an optional note for the team only. Append-only, like the access log: `save()` and
    `delete()` refuse here, and on PostgreSQL a trigger (migration 0008) refuses any UPDATE or
    DELETE the app sends. The database owns the foreign keys' actions: deleting the patient's
    account or the team removes the records; deleting the member's account keeps the record
    and its `by_name`.

    The patient reads each record, without the note, as "your team at ... called you on ..."
    (`patient_words`).
    """

    class How(models.TextChoices):
        PHONE = "phone", "Phone call"
        TEXT = "text", "Text message"
        EMAIL = "email", "Email"
        VIDEO = "video", "Video call"
        IN_PERSON = "in_person", "In person"

    class Outcome(models.TextChoices):
        SPOKE = "spoke", "Spoke with them"
        LEFT_MESSAGE = "left_message", "Left a message"
        NO_ANSWER = "no_answer", "No answer"
        SENT = "sent", "Sent a message, no reply yet"
        REPLIED = "replied", "They replied"

    # DO_NOTHING + db_constraint=False: the database (migration 0008) owns these actions.
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="outreach_received",
    )
    team = models.ForeignKey(
        CareTeam, on_delete=models.DO_NOTHING, db_constraint=False, related_name="outreach"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The member's name as it was: the team's record keeps who reached out.
    by_name = models.CharField(max_length=254)
    at = models.DateTimeField("when")
    how = models.CharField(max_length=12, choices=How.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    note = models.TextField(
        "note for the team (optional)",
        blank=True,
        max_length=2000,
        help_text="Only your team sees it; the patient never does.",
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = OutreachQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "outreach"
        indexes = [models.Index(fields=["patient", "-at"], name="outreach_patient_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(how__in=["phone", "text", "email", "video", "in_person"]),
                name="outreach_how_known",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["spoke", "left_message", "no_answer", "sent", "replied"]),
                name="outreach_outcome_known",
            ),
        ]

    def __str__(self) -> str:
        return f"outreach {self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Outreach records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Outreach records are append-only.")

    @property
    def patient_words(self) -> str:
        """What happened, told to the patient ("called you", "left you a message")."""
        if self.outcome == self.Outcome.LEFT_MESSAGE:
            return "left you a message"
        if self.outcome in (self.Outcome.NO_ANSWER,):
            return "tried to reach you"
        return {
            self.How.PHONE: "called you",
            self.How.TEXT: "sent you a text message",
            self.How.EMAIL: "emailed you",
            self.How.VIDEO: "had a video call with you",
            self.How.IN_PERSON: "saw you in person",
        }.get(self.How(self.how), "reached out to you")


class PlanSuggestion(models.Model):
    """An addition to a patient's safety plan, suggested by a member of a team the patient
    shares their plan with (Scope.SAFETY_PLAN). Nothing in the plan changes until the patient
    accepts it; then its text is added to that step, in the patient's own plan. Declined or
    accepted, it stays, so the team knows what became of it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the patient"
        ACCEPTED = "accepted", "Added to the plan"
        DECLINED = "declined", "Declined"

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_suggestions"
    )
    team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="plan_suggestions")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_name = models.CharField(max_length=254)
    # One of journal.models.SafetyPlan.SECTIONS.
    section = models.CharField(max_length=32)
    text = models.TextField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["patient", "created_at"],
                condition=Q(status="pending"),
                name="plan_suggestion_pending",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "declined"]),
                name="plan_suggestion_status_known",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="plan_suggestion_decided_when_decided",
            ),
        ]

    def __str__(self) -> str:
        return f"plan suggestion {self.pk}"

    @property
    def section_label(self) -> str:
        return section_label(self.section)


class QuestionnaireRhythm(models.Model):
    """How often a team asks one patient for one questionnaire, set on their share: every N
    days (instead of Tideline's QUESTIONNAIRE_DUE_DAYS) and/or before each booked session. It
    lives and dies with the share: a revoked or ended share stops it."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="rhythms")
    instrument = models.CharField(max_length=8, choices=Instrument.choices)
    every_days = models.PositiveSmallIntegerField(null=True, blank=True)
    before_session = models.BooleanField(default=False)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["share", "instrument"], name="rhythm_one_per_share_instrument"
            ),
        ]

    def __str__(self) -> str:
        return f"rhythm {self.pk}"
