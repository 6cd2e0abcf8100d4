"""Deleting an account, proven: every model with a foreign key to the user (found by
introspection, so a model added later cannot be missed) keeps no row of the person; their
sessions end on every device; nothing is emailed about them or to them afterwards; nobody
else's data is touched.

TODO(issue 14, the privacy helper): cached pages and rendered charts of the patient are to be
purged from the cache at once on deletion (the trends charts are cached under
"trends:charts:v7:<hash>" by journal/charts/page.py); assert here that none of them is left.
"""

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailDelivery, PushSubscription, TrustedDevice
from careteam.access import grant_for
from careteam.alerts import care_alert_send, signals_missing_alerts
from careteam.outreach import contact_details_save, outreach_record
from careteam.plan_suggestions import plan_suggest
from journal.access import Scope
from journal.imports.save import tags_for_import
from journal.models import (
    AppointmentReport,
    CheckInActivity,
    ImportJob,
    Medication,
    SafetyPlan,
    SessionCheck,
    Signal,
)
from journal.reminders.dispatch import reminders_claim_due
from journal.reminders.send import reminders_send
from journal.signals import urgent_signal_record
from journal.stale import stale_week_mark
from journal.weekly import weekly_summaries_rebuild
from tests.factories import (
    CheckInFactory,
    MembershipFactory,
    ShareFactory,
    SignalFactory,
    TreatmentSessionFactory,
    daily_history,
    reauthenticate,
    scored_questionnaire,
)

pytestmark = pytest.mark.django_db

# Foreign keys to the user that a patient's account never fills, and why. Every other one must
# hold a row of the patient before the deletion, so "none is left" is proven, not vacuous: a
# new model with a foreign key to the user fails this test until its row is made below.
NEVER_A_PATIENTS = {
    ("admin.LogEntry", "user"): "written by staff acting in the admin",
    ("journal.Signal", "acknowledged_by"): "a care-team member who marked a warning sign seen",
    ("careteam.Membership", "user"): "care-team accounts only",
    ("careteam.Invitation", "created_by"): "the care-team member who invited someone",
    ("careteam.Outreach", "by"): "the care-team member who reached out",
    ("careteam.PlanSuggestion", "by"): "the care-team member who suggested an addition",
    ("journal.SessionCheck", "entered_by"): "the care-team member who entered a check for someone",
    (
        "careteam.QuestionnaireRhythm",
        "set_by",
    ): "the care-team member who set a questionnaire rhythm",
}


def user_foreign_keys():
    """Every (model, field) whose field points at the user, auto-created tables included."""
    User = get_user_model()
    return [
        (model, field)
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.get_fields()
        if field.is_relation
        and not field.auto_created
        and (field.many_to_one or field.one_to_one)
        and field.related_model is User
    ]


def rows_of(person_id: int) -> dict[tuple[str, str], int]:
    return {
        (model._meta.label, field.name): model._base_manager.filter(
            **{field.attname: person_id}
        ).count()
        for model, field in user_foreign_keys()
    }


def a_whole_account(patient, other, clinician):
    """The patient with a row in every table a patient's account can reach."""
    daily_history(patient, days=20, end=patient.today() - dt.timedelta(days=1))
    tag = tags_for_import(patient=patient, names=["Sea swim"])["Sea swim"]
    CheckInFactory(patient=patient, day=patient.today()).tags_add(tag)
    session = TreatmentSessionFactory(patient=patient)
    SessionCheck.objects.create(session=session, patient=patient, moment="evening", felt=5)
    Medication.objects.create(patient=patient, name="Sertraline", started_on=patient.today())
    scored_questionnaire(patient, "phq9", 12, patient.today())
    SafetyPlan.objects.create(patient=patient, reasons_for_living="My sister")
    weekly_summaries_rebuild(patient_ids=[patient.pk, other.pk])
    ImportJob.objects.create(patient=patient, source="daylio", payload=b"x", days=1)
    AppointmentReport.objects.create(patient=patient, start=patient.today(), end=patient.today())
    share = ShareFactory(patient=patient, scope=Scope.TRENDS | Scope.CONTACT | Scope.SAFETY_PLAN)
    MembershipFactory(team=share.team, user=clinician)
    look = grant_for(clinician, patient.public_id, need=Scope.TRENDS, what="trends")  # a look
    urgent_signal_record(
        patient=patient,
        kind=Signal.Kind.URGENT_CHECKIN,
        dedupe_key=patient.today().isoformat(),
        started_on=patient.today(),
    )
    contact_details_save(patient=patient, phone="+1 555 0100", email="me@example.test")
    outreach_record(grant=look, at=timezone.now(), how="phone", outcome="spoke")
    plan_suggest(grant=look, section="reasons_for_living", text="Your dog")
    with pytest.raises(Http404):  # a look by them, refused, at someone else
        grant_for(patient, other.public_id, need=Scope.TRENDS, what="trends")
    patient.groups.add(Group.objects.get_or_create(name="testers")[0])
    patient.user_permissions.add(Permission.objects.first())
    TOTP.activate(patient, generate_totp_secret())
    EmailDelivery.objects.create(recipient=patient, kind="checkin_reminder", period="2026-03-01")
    stale_week_mark(patient_id=patient.pk, day=patient.today())  # trends work still owed
    PushSubscription.objects.create(
        user=patient,
        endpoint=f"https://push.example.test/{patient.public_id}",
        p256dh="k",
        auth="a",
    )
    TrustedDevice.objects.create(
        user=patient,
        session_hash=str(patient.public_id),
        device="Chrome on Android",
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    return SignalFactory(patient=patient, kind="sustained_slide")


def test_every_table_that_points_at_the_user_keeps_nothing_of_them_and_no_one_else_loses_a_row(
    client, patient, other_patient, clinician
):
    signal = a_whole_account(patient, other_patient, clinician)
    a_whole_account(other_patient, patient, clinician)
    tags = list(CheckInActivity.objects.filter(checkin__patient=patient).values_list("pk"))
    before, others_before = rows_of(patient.pk), rows_of(other_patient.pk)
    assert set(NEVER_A_PATIENTS) <= set(before), "an exemption names a key that is gone"
    empty = [key for key, n in before.items() if not n and key not in NEVER_A_PATIENTS]
    assert not empty, (
        f"make a row of these for the patient above, so their deletion is proven: {empty}"
    )
    assert Authenticator.objects.filter(user=patient).exists()

    client.force_login(patient)
    reauthenticate(client)
    response = client.post(reverse("account_delete"), {"confirm": "on"})

    assert "Your account is deleted" in response.content.decode()
    left = {key: n for key, n in rows_of(patient.pk).items() if n}
    assert left == {}, f"rows still point at the deleted account: {left}"
    assert not CheckInActivity.objects.filter(pk__in=[t[0] for t in tags]).exists()
    assert not Signal.objects.filter(pk=signal.pk).exists()
    # The other patient's rows are all still there, except their refused look at the deleted
    # patient, which went with the patient it was about.
    others_after = rows_of(other_patient.pk)
    assert others_after.pop(("careteam.AccessEvent", "viewer")) == 0
    others_before.pop(("careteam.AccessEvent", "viewer"))
    assert others_after == others_before


def test_the_persons_sessions_end_on_every_device(client, patient, other_patient):
    from django.test import Client

    phone, laptop, someone_else = Client(), Client(), Client()
    for device in (phone, laptop):
        device.force_login(patient)
    someone_else.force_login(other_patient)
    assert laptop.get(reverse("profile_settings")).status_code == 200
    reauthenticate(phone)

    phone.post(reverse("account_delete"), {"confirm": "on"})

    response = laptop.get(reverse("profile_settings"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    live = Session.objects.filter(expire_date__gt=timezone.now())
    assert str(patient.pk) not in {str(s.get_decoded().get(SESSION_KEY)) for s in live}
    assert someone_else.get(reverse("profile_settings")).status_code == 200


def test_nothing_is_emailed_to_them_or_about_them_afterwards(
    client, smtp_sink, patient, other_patient, clinician
):
    """A reminder due and an alert pending for the patient, queued before the deletion as a
    worker would have them, find nothing to send; the same for another patient still sends
    (the control: this setup does send)."""
    signal = a_whole_account(patient, other_patient, clinician)
    due = timezone.now() - dt.timedelta(minutes=1)
    for person in (patient, other_patient):  # the daily check-in reminder, due a minute ago
        person.reminder_enabled = True
        person.questionnaire_reminder_enabled = person.weekly_email_enabled = False
        person.reminder_time = due.astimezone(person.zoneinfo).time().replace(second=0)
        person.next_reminder_at = due
        person.save()
    patient_id, signal_id, email = patient.pk, signal.pk, patient.email
    client.force_login(patient)
    reauthenticate(client)
    client.post(reverse("account_delete"), {"confirm": "on"})
    now = timezone.now()

    with transaction.atomic():
        claimed = reminders_claim_due(now=now, limit=100)
    sent = reminders_send(user_ids=[patient_id, *claimed], as_of=now, now=now)
    alerts = care_alert_send(signal_id=signal_id) + sum(
        care_alert_send(signal_id=pk) for pk in signals_missing_alerts()
    )

    assert claimed == [other_patient.pk]
    assert smtp_sink.recipients == [other_patient.email] and sent == 1
    assert alerts == 0
    assert email not in smtp_sink.recipients and clinician.email not in smtp_sink.recipients
