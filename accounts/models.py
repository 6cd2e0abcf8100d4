import datetime as dt
import uuid
from typing import ClassVar

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from .countries import COUNTRIES
from .timezones import is_valid_timezone, local_today, zone


def validate_timezone(value: str) -> None:
    if not is_valid_timezone(value):
        raise ValidationError("Choose a time zone from the list, for example Europe/London.")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("role", User.Role.CARE)
        user = self._create_user(email, password, **extra_fields)
        # Made by whoever runs the server (`createsuperuser`), who typed the address: it counts
        # as verified, or mandatory verification would hold the first admin at the door with
        # an email that may not be deliverable yet.
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """Everyone who signs in. Email is the login; patients sign up, care-team members are made
    by an admin or by invitation."""

    class Role(models.TextChoices):
        PATIENT = "patient", "Patient"
        CARE = "care", "Care-team member"

    email = models.EmailField("email address", unique=True)
    # What names a patient in a URL (/care/patients/<public_id>/) and at the access door: random,
    # so ids cannot be walked the way sequential primary keys can be (every probe of someone
    # else's id is logged on that patient's "Who viewed my data").
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(
        "name to show",
        max_length=80,
        blank=True,
        help_text="What Tideline calls you. Optional; a first name or nickname is fine.",
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATIENT)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    # Which crisis lines "Need help now?" shows (journal/regions.py). Empty: not chosen yet, so
    # the deployment's own lines (CRISIS_REGION / CRISIS_LINES).
    country = models.CharField(
        "country, for crisis lines",
        max_length=2,
        blank=True,
        choices=COUNTRIES,
        help_text="Which crisis lines “Need help now?” shows you.",
    )

    reminder_enabled = models.BooleanField(
        "daily check-in reminder",
        default=True,
        help_text="A short email if you haven't checked in.",
    )
    reminder_time = models.TimeField("reminder time", default=dt.time(20, 0))
    questionnaire_reminder_enabled = models.BooleanField(
        "questionnaire reminders", default=True, help_text="When a PHQ-9 or GAD-7 is due."
    )
    weekly_email_enabled = models.BooleanField(
        "weekly email", default=True, help_text="A note that your week in Tideline is ready."
    )
    integration_reminders_enabled = models.BooleanField(
        "integration reminders",
        default=False,
        help_text="Gentle prompts on the days after a treatment session.",
    )
    # The same reminders as a notification on the person's phone or computer (Web Push,
    # accounts/push.py), chosen per kind beside the email switches above. They reach only the
    # devices where the person turned notifications on (PushSubscription).
    reminder_push = models.BooleanField("daily check-in reminder by notification", default=False)
    questionnaire_reminder_push = models.BooleanField(
        "questionnaire reminders by notification", default=False
    )
    weekly_push = models.BooleanField("weekly note by notification", default=False)
    integration_reminders_push = models.BooleanField(
        "integration reminders by notification", default=False
    )

    # The next instant (UTC) a reminder may be due for this person: their reminder time, or the
    # Monday-morning weekly email, whichever comes first. Null when nothing is switched on. Kept
    # by accounts.schedule.reminder_schedule_refresh; the beat job reads only this column.
    next_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    # "Sign out everywhere" (accounts/trusted.py): every session signed in before this moment
    # ends on its next request, whatever the session store (a cache or signed cookies cannot
    # be listed and deleted one by one).
    signed_out_everywhere_at = models.DateTimeField(null=True, blank=True, editable=False)

    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=["patient", "care"]), name="user_role_known"
            ),
        ]
        indexes = [
            models.Index(fields=["role", "is_active"], name="user_role_active"),
            # Partial: most of the table never matches `next_reminder_at <= now` scans for free.
            models.Index(
                fields=["next_reminder_at"],
                condition=models.Q(next_reminder_at__isnull=False),
                name="user_next_reminder_due",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    @property
    def is_care_member(self) -> bool:
        return self.role == self.Role.CARE

    @property
    def greeting_name(self) -> str:
        return self.display_name or "there"

    @property
    def zoneinfo(self):
        return zone(self.time_zone)

    def today(self, *, now: dt.datetime | None = None) -> dt.date:
        """Today in this person's own time zone: what "today's check-in" means for them."""
        return local_today(self.time_zone, now=now)


class EmailDelivery(models.Model):
    """The delivery log: one row per (recipient, kind, period, channel) is what makes every
    email and notification go out once (accounts/delivery.py says what "once" means per kind).

    `period` names the occasion: a local date for a daily reminder, a week start for the weekly
    email, a signal id for a care-team alert. Never health data. `channel` is how it goes out:
    an email, or a notification to the person's devices (Web Push). The name stays: the table
    began as the email log.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        PUSH = "push", "Notification"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        # The attempt began (committed before the SMTP or push call). A reminder left here by a
        # crash is never sent again: it may not have arrived.
        SENDING = "sending", "Sending (if it stays, it may not have arrived)"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed permanently"
        SKIPPED = "skipped", "Skipped"

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=32)
    period = models.CharField(max_length=64)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Tries that may have reached the person without our knowing: interrupted (a killed
    # worker) or unanswered (a timeout). A SENT row with any is a possible duplicate.
    unsure_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the latest attempt began: a row still SENDING long after this was interrupted.
    attempted_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The SMTP code or HTTP status and exception class only: error texts can echo addresses or
    # content.
    last_error = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "period", "channel"],
                name="delivery_once_per_channel",
            )
        ]
        indexes = [
            # The reminder sweep (journal/reminders/sweep.py) reads pending rows by age; partial,
            # so it costs nothing for the sent rows that are almost all of the table.
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="delivery_pending_by_age",
            )
        ]
        # No index on (kind, period): no query asks by kind and period without the recipient,
        # and the planner took it for "this recipient's row for today" whenever today's period
        # was not yet in its statistics (every morning), walking all of today's rows per email.
        # The unique constraint's index serves every other lookup the log has.

    def __str__(self) -> str:
        who = f"user {self.recipient_id}"
        return f"{self.kind} {self.period} by {self.channel} to {who}: {self.status}"


class PushSubscription(models.Model):
    """One device where a person turned notifications on: the endpoint its browser's push
    service gave it and the keys that encrypt what we send there (RFC 8291). Plumbing, like
    the delivery log; accounts/push.py writes and sends. Removed when the push service says
    it is gone (404/410), when the person turns notifications off there, or signs out there."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="push_subscriptions")
    # Unique: one browser profile has one endpoint; if it moves to another account (a shared
    # phone), the newest sign-in owns it.
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=128)
    auth = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"push subscription {self.pk} of user {self.user_id}"


class TrustedDevice(models.Model):
    """A phone or computer where the person ticked "Keep me signed in on this phone": its
    session skips the idle timeout until `expires_at` (accounts/trusted.py). Listed in
    Settings and on "Who viewed my data", so a person sees where they are still signed in and
    can end them all at once. No health data; the device is named only by browser and system
    ("Chrome on Android")."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="trusted_devices")
    # SHA-256 of the session key: says which row is "this one", but is no credential.
    session_hash = models.CharField(max_length=64, unique=True)
    device = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Not stored: whether this row is the device asking (accounts.trusted.live_devices).
    is_this_one: bool = False

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"], name="trusted_device_user_live")]

    def __str__(self) -> str:
        return f"trusted device {self.pk} of user {self.user_id}"
