import datetime as dt
import time
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from journal.access import Scope
from journal.models import CheckIn
from journal.treatment import session_course

PASSWORD = "a-long-test-passphrase-41"


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A patient with a verified email address who can sign in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    display_name = factory.Faker("first_name")
    role = User.Role.PATIENT
    time_zone = "Europe/London"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            if extracted is not False:
                EmailAddress.objects.create(
                    user=self, email=self.email, verified=True, primary=True
                )

    @factory.post_generation
    def two_factor(self, create, extracted, **kwargs):
        """Care-team and staff accounts get an authenticator app (TOTP), as Tideline requires
        of them before they see anything (REQUIRE_TWO_FACTOR); `two_factor=False` makes one
        that has not enrolled yet, `two_factor=True` gives a patient one."""
        wanted = (self.role == User.Role.CARE or self.is_staff) if extracted is None else extracted
        if create and wanted:
            TOTP.activate(self, generate_totp_secret())


class CareUserFactory(UserFactory):
    role = User.Role.CARE
    email = factory.Sequence(lambda n: f"clinician{n}@clinic.test")


class CheckInFactory(factory.django.DjangoModelFactory[CheckIn]):
    class Meta:
        model = "journal.CheckIn"

    patient = factory.SubFactory(UserFactory)
    day = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=1))
    mood = 6
    energy = 5
    sleep_hours = Decimal("7.0")


class TreatmentSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "journal.TreatmentSession"

    patient = factory.SubFactory(UserFactory)
    started_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=2))
    day = factory.LazyAttribute(lambda o: o.started_at.date())
    kind = "iv"
    # Through the service every other path uses, so a test's sessions sit in courses as a
    # patient's own would.
    course = factory.LazyAttribute(
        lambda o: session_course(patient=o.patient, day=o.day, route=o.kind)
    )


class QuestionnaireResponseFactory(factory.django.DjangoModelFactory):
    """Answers decide the total; pass `answers=[...]`. Band is left for the code under test."""

    class Meta:
        model = "journal.QuestionnaireResponse"

    patient = factory.SubFactory(UserFactory)
    instrument = "phq9"
    answers = factory.LazyAttribute(lambda o: [1] * (9 if o.instrument == "phq9" else 7))
    total = factory.LazyAttribute(lambda o: sum(o.answers))
    band = ""
    item9 = factory.LazyAttribute(lambda o: o.answers[8] if o.instrument == "phq9" else None)
    submitted_at = factory.LazyFunction(timezone.now)
    day = factory.LazyAttribute(lambda o: o.submitted_at.date())


class SignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "journal.Signal"

    patient = factory.SubFactory(UserFactory)
    kind = "sustained_slide"
    dedupe_key = factory.Sequence(lambda n: f"test-{n}")
    started_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=14))
    detected_at = factory.LazyFunction(timezone.now)
    last_reported_at = factory.LazyAttribute(lambda o: o.detected_at)
    details = factory.LazyFunction(lambda: {"low_days": 10, "areas": ["energy", "sleep_hours"]})


class CareTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "careteam.CareTeam"

    name = factory.Sequence(lambda n: f"Harbour Clinic {n}")
    join_code = factory.Sequence(lambda n: f"TEAM{n:04d}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "careteam.Membership"

    team = factory.SubFactory(CareTeamFactory)
    user = factory.SubFactory(CareUserFactory)
    role = "clinician"


class ShareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "careteam.Share"

    patient = factory.SubFactory(UserFactory)
    team = factory.SubFactory(CareTeamFactory)
    scope = Scope.TRENDS


def scored_questionnaire(patient, instrument: str, total: int, day: dt.date):
    """A PHQ-9 or GAD-7 with answers adding up to `total`, submitted at noon UTC on `day`."""
    items = 9 if instrument == "phq9" else 7
    answers = ([3] * (total // 3) + [total % 3] + [0] * items)[:items]
    return QuestionnaireResponseFactory(
        patient=patient,
        instrument=instrument,
        answers=answers,
        day=day,
        submitted_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
    )


def daily_history(patient, *, days: int, end: dt.date | None = None, mood=lambda i: 6, **fields):
    """Bulk-create `days` consecutive check-ins ending at `end` (default: yesterday).

    `mood` (and any field given as a callable) receives the day index, 0 = oldest. One INSERT
    batch, so tests can build years of history cheaply.
    """
    from journal.models import CheckIn

    end = end or dt.date.today() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=days - 1)
    rows = []
    for i in range(days):
        values = {k: (v(i) if callable(v) else v) for k, v in fields.items()}
        rows.append(
            CheckIn(patient=patient, day=start + dt.timedelta(days=i), mood=mood(i), **values)
        )
    return CheckIn.objects.bulk_create(rows, batch_size=1000)


def builtin_activities():
    """The built-in tags of migration 0002, created again if a transactional test flushed them.

    Tests with `transaction=True` (browser, worker) end with a flush that also removes data added
    by migrations; a browser test that ticks "Time outdoors" calls this first.
    """
    import importlib

    from journal.models import Activity

    names = importlib.import_module("journal.migrations.0002_builtin_activities").BUILTIN_ACTIVITIES
    for position, name in enumerate(names):
        Activity.objects.get_or_create(owner=None, name=name, defaults={"position": position})
    return list(Activity.objects.filter(owner=None))


def code_for_secret(secret: str) -> str:
    """The code an authenticator app holding `secret` shows now (each is accepted once).

    A code is good for its 30-second window only (allauth's default tolerance is none): near
    the end of one, wait for the next, or a busy machine submits it after it expired and the
    sign-in fails (seen as rare timeouts in the browser tests)."""
    period = getattr(settings, "MFA_TOTP_PERIOD", 30)
    left = period - time.time() % period
    if left < 5:
        time.sleep(left + 0.1)
    counter = next(iter(yield_hotp_counters_from_time()))
    return format(hotp_value(secret, counter), "06d")


def totp_code(user) -> str:
    """The code `user`'s authenticator app shows now."""
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return code_for_secret(decrypt(authenticator.data["secret"]))


def reauthenticate(client, password: str = PASSWORD):
    """Confirm the password again, as allauth asks before a sensitive change or download."""
    from django.urls import reverse

    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return response
