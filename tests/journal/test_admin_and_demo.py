import datetime as dt
import statistics

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from accounts.demo import DEMO_PATIENT_EMAIL
from accounts.models import User
from journal.course_outcomes import courses_for
from journal.models import (
    Activity,
    CheckIn,
    MedicationChange,
    QuestionnaireResponse,
    SafetyPlan,
    SessionCheck,
    Signal,
    TreatmentSession,
    WeeklySummary,
)
from tests.factories import CheckInFactory, TreatmentSessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_nothing_a_patient_wrote_is_registered_in_admin():
    for model in (CheckIn, SafetyPlan, TreatmentSession, QuestionnaireResponse, Signal):
        assert not admin.site.is_registered(model), model
    assert not admin.site.is_registered(WeeklySummary)


def test_admin_lists_built_in_tags_only_and_no_patient_text(client, patient):
    staff = UserFactory(is_staff=True, is_superuser=True, role="care")
    client.force_login(staff)
    Activity.objects.create(owner=patient, name="Seeing my ex")
    CheckInFactory(patient=patient, note="a very private note")
    TreatmentSessionFactory(patient=patient, intention="a private intention")

    body = client.get(reverse("admin:journal_activity_changelist")).content.decode()
    index = client.get(reverse("admin:index")).content.decode()

    assert "Time outdoors" in body
    assert "Seeing my ex" not in body
    assert "private" not in body + index
    own = Activity.objects.get(owner=patient)
    assert client.get(reverse("admin:journal_activity_change", args=[own.pk])).status_code in (
        302,
        404,
    )


def test_seed_demo_gives_six_months_ending_yesterday_with_a_recent_slide(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    patient = User.objects.get(email=DEMO_PATIENT_EMAIL)
    counts = (
        CheckIn.objects.count(),
        TreatmentSession.objects.count(),
        QuestionnaireResponse.objects.count(),
        SafetyPlan.objects.count(),
        CheckIn.activities.through.objects.count(),
    )

    call_command("seed_demo")

    assert counts == (
        CheckIn.objects.count(),
        TreatmentSession.objects.count(),
        QuestionnaireResponse.objects.count(),
        SafetyPlan.objects.count(),
        CheckIn.activities.through.objects.count(),
    )
    today = patient.today()
    days = dict(CheckIn.objects.filter(patient=patient).values_list("day", "mood"))
    assert max(days) == today - dt.timedelta(days=1)
    assert min(days) <= today - dt.timedelta(days=175)
    assert 130 < len(days) < 182  # gaps, like a real person
    assert TreatmentSession.objects.filter(patient=patient).count() == 10
    assert CheckIn.objects.exclude(integration_shifted="").exists()
    assert CheckIn.objects.exclude(note="").count() > 20
    phq = QuestionnaireResponse.objects.filter(patient=patient, instrument="phq9")
    gad = QuestionnaireResponse.objects.filter(patient=patient, instrument="gad7")
    assert phq.count() == gad.count() >= 12
    assert not phq.filter(item9__gt=0).exists()
    # The recent slide shows on first run as an early-warning signal; nothing urgent is made up.
    assert not Signal.objects.filter(kind__in=Signal.URGENT_KINDS).exists()
    assert Signal.objects.filter(patient=patient, kind=Signal.Kind.SUSTAINED_SLIDE).exists()
    assert not SafetyPlan.objects.get(patient=patient).is_empty

    # The recent slide: mood about 3 under the earlier median, with energy, interest, sleep down.
    window = CheckIn.objects.filter(patient=patient, day__gte=today - dt.timedelta(days=14))
    baseline = CheckIn.objects.filter(
        patient=patient,
        day__range=(today - dt.timedelta(days=42), today - dt.timedelta(days=15)),
    )
    assert window.count() >= 8
    for field, drop in (("mood", 2.5), ("energy", 2), ("interest", 2), ("sleep_hours", 1)):
        # Some days leave a measure unanswered, as people do; the rest tell the story.
        recent = statistics.mean(
            float(v) for v in window.values_list(field, flat=True) if v is not None
        )
        usual = statistics.median(
            float(v) for v in baseline.values_list(field, flat=True) if v is not None
        )
        assert recent <= usual - drop, field


def test_the_demo_patient_home_shows_a_questionnaire_due(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    client.force_login(User.objects.get(email=DEMO_PATIENT_EMAIL))
    body = client.get(reverse("home")).content.decode()
    assert "Due" in body


def test_the_demo_patient_is_in_a_second_course_with_a_durability_cue(settings, client):
    """Issue 17's demo: a second course measured from a pre-treatment baseline, a response,
    then scores climbing back: the cue, in the patient's words."""
    settings.DEBUG = True
    call_command("seed_demo")
    patient = User.objects.get(email=DEMO_PATIENT_EMAIL)
    [first, second] = courses_for([patient.pk])[patient.pk]
    assert (first.course.kind, first.sessions_done, first.course.ended_on is not None) == (
        "induction",
        6,
        True,
    )
    assert (second.course.kind, second.sessions_done, second.is_open) == ("maintenance", 4, True)
    assert first.outcome.baseline.point.total == 19 and first.outcome.baseline.before_treatment
    assert second.outcome.baseline.point.total == 17 and second.outcome.baseline.before_treatment
    assert second.outcome.response_on is not None and second.outcome.best.total == 5
    assert second.outcome.rising_weeks == 4
    assert SessionCheck.objects.filter(patient=patient).count() == 4  # after-effects
    assert MedicationChange.objects.filter(medication__patient=patient).count() == 1  # a dose
    client.force_login(patient)
    home = client.get(reverse("home")).content.decode()
    assert "Your PHQ-9 scores have risen for 4 weeks" in home
    page = client.get(reverse("courses")).content.decode()
    assert "Course 2: Maintenance or boosters (going on)" in page
