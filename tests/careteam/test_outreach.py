"""Outreach the team can record: the patient's consent to be reached (their own details, under
"How to reach me"), the team's record of each outreach (append-only, on the access log), and
the urgent flag that says when it was raised and whether anyone has acted."""

import datetime as dt
import re

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailDelivery
from careteam.alerts import care_alert_send, signals_missing_alerts
from careteam.models import AccessEvent, ContactDetails, Outreach, Share
from journal.access import Scope
from journal.signals import urgent_signal_record, urgent_signals_safe_now
from tests.factories import (
    CareTeamFactory,
    CareUserFactory,
    MembershipFactory,
    ShareFactory,
    UserFactory,
    reauthenticate,
)
from tests.services import require_postgres

pytestmark = pytest.mark.django_db
NOTE = "MARKER-TEAM-NOTE: voicemail, will try again at 5"


@pytest.fixture
def circle(clinician):
    """A patient sharing trends with the clinician's team, and a second patient of the team."""
    team = CareTeamFactory(name="Harbour Clinic")
    MembershipFactory(team=team, user=clinician)
    patient = UserFactory(display_name="Marlowe")
    other = UserFactory(display_name="Tamsin")
    share = ShareFactory(patient=patient, team=team, scope=Scope.TRENDS)
    ShareFactory(patient=other, team=team, scope=Scope.TRENDS | Scope.CONTACT)
    return team, patient, other, share


def page(client, viewer, patient):
    client.force_login(viewer)
    return client.get(reverse("careteam:patient", args=[patient.public_id]))


def record(client, viewer, patient, **data):
    client.force_login(viewer)
    now = timezone.localtime(timezone.now(), viewer.zoneinfo)
    post = {
        "at": now.strftime("%Y-%m-%dT%H:%M"),
        "how": "phone",
        "outcome": "left_message",
        "note": NOTE,
        **data,
    }
    return client.post(reverse("careteam:outreach_record", args=[patient.public_id]), post)


# --- The patient's details and consent ----------------------------------------------------------


def test_how_to_reach_me_is_off_for_a_new_share(patient_client):
    form = patient_client.get(reverse("careteam:sharing")).content.decode()
    box = re.search(r'<input[^>]*name="scope_contact"[^>]*>', form).group(0)
    assert "checked" not in box
    assert "How to reach me" in form


def test_a_patient_enters_edits_and_clears_their_details(client):
    patient, other = UserFactory(), UserFactory()
    client.force_login(other)
    client.post(reverse("careteam:contact_details"), {"contact-phone": "0161 496 0123"})
    client.force_login(patient)

    saved = client.post(
        reverse("careteam:contact_details"),
        {"contact-phone": "+44 7700 900123", "contact-email": "marlowe@home.test"},
    )
    assert saved.status_code == 302
    details = ContactDetails.objects.get(patient=patient)
    assert (details.phone, details.email) == ("+44 7700 900123", "marlowe@home.test")

    client.post(reverse("careteam:contact_details"), {"contact-phone": "07700 900999"})
    details.refresh_from_db()
    assert (details.phone, details.email) == ("07700 900999", "")

    client.post(reverse("careteam:contact_details"), {"contact-phone": "", "contact-email": ""})
    assert not ContactDetails.objects.filter(patient=patient).exists()
    assert ContactDetails.objects.get(patient=other).phone == "0161 496 0123"


@pytest.mark.parametrize("phone", ["call me", "12345", "+44 7700 900123 ext 4", "1" * 16])
def test_a_number_that_cannot_be_dialled_gets_a_clear_message(patient_client, patient, phone):
    response = patient_client.post(reverse("careteam:contact_details"), {"contact-phone": phone})

    assert response.status_code == 400
    assert "Enter a phone number with its area code" in response.content.decode()
    assert not ContactDetails.objects.filter(patient=patient).exists()


def test_the_team_sees_how_to_reach_the_patient_only_while_the_share_says_so(
    client, clinician, circle
):
    _, patient, _, share = circle
    ContactDetails.objects.create(patient=patient, phone="07700 900123", email="m@home.test")

    body = page(client, clinician, patient).content.decode()
    assert "07700 900123" not in body and "m@home.test" not in body
    assert "haven't chosen to share how to reach them" in body

    Share.objects.filter(pk=share.pk).update(scope=Scope.TRENDS | Scope.CONTACT)
    body = page(client, clinician, patient).content.decode()
    assert '<a class="tappable" href="tel:07700900123">07700 900123</a>' in body
    assert 'href="mailto:m@home.test"' in body
    assert (
        AccessEvent.objects.filter(viewer=clinician, patient=patient, what="contact").count() == 1
    )

    # The patient narrows the share again: gone on the very next page.
    patient_side = client.__class__()
    patient_side.force_login(patient)
    patient_side.post(
        reverse("careteam:share_update", args=[share.pk]), {f"share{share.pk}-scope_trends": "on"}
    )
    assert "07700 900123" not in page(client, clinician, patient).content.decode()


def test_turning_how_to_reach_me_on_asks_for_the_password(patient_client, patient, circle):
    team, _, _, _ = circle
    share = ShareFactory(patient=patient, team=team, scope=Scope.TRENDS)
    url = reverse("careteam:share_update", args=[share.pk])
    data = {f"share{share.pk}-scope_trends": "on", f"share{share.pk}-scope_contact": "on"}

    assert reverse("account_reauthenticate") in patient_client.post(url, data)["Location"]
    share.refresh_from_db()
    assert Scope.CONTACT not in share.scope
    reauthenticate(patient_client)
    patient_client.post(url, data)
    share.refresh_from_db()
    assert Scope.CONTACT in share.scope


def test_the_patient_reads_the_contact_look_in_plain_words(client, clinician, circle):
    _, patient, _, share = circle
    Share.objects.filter(pk=share.pk).update(scope=Scope.TRENDS | Scope.CONTACT)
    ContactDetails.objects.create(patient=patient, phone="07700 900123")
    page(client, clinician, patient)
    record(client, clinician, patient)

    client.force_login(patient)
    body = client.get(reverse("careteam:access_log")).content.decode()
    assert "how to reach you (the phone number or email you shared)" in body
    assert "your page, to record that they reached out to you" in body


# --- Recording an outreach ---------------------------------------------------------------------


def test_a_member_records_a_call_and_the_team_reads_it_with_its_note(client, clinician, circle):
    team, patient, other, _ = circle
    colleague = CareUserFactory(display_name="Sam Okafor")
    MembershipFactory(team=team, user=colleague)

    response = record(client, clinician, patient, how="phone", outcome="left_message")

    assert response.status_code == 302
    outreach = Outreach.objects.get()
    assert (outreach.patient, outreach.team, outreach.by) == (patient, team, clinician)
    assert (outreach.how, outreach.outcome, outreach.note) == ("phone", "left_message", NOTE)
    assert not Outreach.objects.filter(patient=other).exists()
    event = AccessEvent.objects.get(viewer=clinician, patient=patient)
    assert (event.what, event.allowed) == ("outreach", True)
    # Any member of the team reads it, note included.
    body = page(client, colleague, patient).content.decode()
    assert NOTE in body
    assert "phone call, left a message" in body


def test_another_team_never_reads_this_team_s_record(client, clinician, circle):
    _, patient, _, _ = circle
    record(client, clinician, patient)
    other_team = CareTeamFactory(name="Lighthouse Practice")
    stranger = CareUserFactory()
    MembershipFactory(team=other_team, user=stranger)
    ShareFactory(patient=patient, team=other_team)

    body = page(client, stranger, patient).content.decode()
    assert NOTE not in body
    assert "No one on your team has reached out" not in body  # nothing urgent here at all


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"at": "2099-01-01T10:00"}, "That time hasn&#x27;t come yet"),
        ({"how": "carrier pigeon"}, "Select a valid choice"),
        ({"outcome": "vanished"}, "Select a valid choice"),
        ({"at": "not a time"}, "Enter a valid date/time"),
        ({"note": "x" * 2001}, "Ensure this value has at most 2000 characters"),
    ],
)
def test_bad_input_gets_a_clear_message_and_records_nothing(
    client, clinician, circle, change, message
):
    _, patient, _, _ = circle
    response = record(client, clinician, patient, **change)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Outreach.objects.exists()


def test_a_time_more_than_30_days_back_is_refused(client, clinician, circle):
    _, patient, _, _ = circle
    old = timezone.localtime(timezone.now() - dt.timedelta(days=31), clinician.zoneinfo)
    response = record(client, clinician, patient, at=old.strftime("%Y-%m-%dT%H:%M"))
    assert response.status_code == 400
    assert "Choose a time in the last 30 days." in response.content.decode()


def test_the_time_is_the_member_s_own_local_time(client, circle):
    team, patient, _, _ = circle
    member = CareUserFactory(time_zone="America/New_York")
    MembershipFactory(team=team, user=member)
    local = timezone.localtime(timezone.now() - dt.timedelta(hours=1), member.zoneinfo)

    record(client, member, patient, at=local.strftime("%Y-%m-%dT%H:%M"))

    stored = Outreach.objects.get().at
    assert abs(stored - local.replace(second=0, microsecond=0)) < dt.timedelta(seconds=1)


def test_recording_an_outreach_marks_open_urgent_warnings_as_seen(client, clinician, circle):
    _, patient, _, _ = circle
    card = urgent_signal_record(
        patient=patient, kind="urgent_checkin", dedupe_key="d1", started_on=patient.today()
    )
    record(client, clinician, patient)
    card.refresh_from_db()
    assert card.acknowledged_by == clinician


# --- Append-only -------------------------------------------------------------------------------


def make(patient, team, by):
    return Outreach.objects.create(
        patient=patient, team=team, by=by, by_name="Dr Reyes", at=timezone.now(),
        how="phone", outcome="spoke", note=NOTE,
    )  # fmt: skip


def test_the_app_cannot_change_or_delete_a_record(clinician, circle):
    team, patient, _, _ = circle
    outreach = make(patient, team, clinician)
    outreach.note = "rewritten"
    with pytest.raises(PermissionError):
        outreach.save()
    with pytest.raises(PermissionError):
        outreach.delete()
    with pytest.raises(PermissionError):
        Outreach.objects.filter(pk=outreach.pk).update(note="rewritten")
    with pytest.raises(PermissionError):
        Outreach.objects.all().delete()
    assert Outreach.objects.get().note == NOTE


def test_the_database_refuses_update_and_delete_sent_as_sql(clinician, circle):
    require_postgres()
    team, patient, _, _ = circle
    outreach = make(patient, team, clinician)
    for sql in (
        "UPDATE careteam_outreach SET note = 'rewritten' WHERE id = %s",
        "UPDATE careteam_outreach SET by_id = NULL WHERE id = %s",
        "DELETE FROM careteam_outreach WHERE id = %s",
    ):
        with (
            pytest.raises((InternalError, ProgrammingError, IntegrityError)) as raised,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [outreach.pk])
        assert "append-only" in str(raised.value)
    assert Outreach.objects.values_list("note", "by_id").get() == (NOTE, clinician.pk)


def test_deleting_accounts_and_teams_still_works(clinician, circle):
    team, patient, other, _ = circle
    kept = make(other, team, clinician)
    make(patient, team, clinician)

    patient.delete()
    assert list(Outreach.objects.values_list("pk", flat=True)) == [kept.pk]

    clinician.delete()
    assert Outreach.objects.values_list("by_id", "by_name").get() == (None, "Dr Reyes")

    team.delete()
    assert not Outreach.objects.exists()


# --- The urgent flag on the dashboard ------------------------------------------------------------


def dashboard(client, clinician):
    client.force_login(clinician)
    return client.get(reverse("careteam:dashboard")).content.decode()


def test_the_flag_says_when_it_was_raised_and_whether_anyone_has_acted(client, clinician, circle):
    _, patient, _, _ = circle
    card = urgent_signal_record(
        patient=patient, kind="urgent_item9", dedupe_key="7", started_on=patient.today(), answer=1
    )
    raised = timezone.localtime(card.detected_at, clinician.zoneinfo)

    body = dashboard(client, clinician)
    assert f"raised {raised.day} {raised:%b, %H:%M}" in body
    assert "No one on your team has reached out yet." in body

    record(client, clinician, patient, outcome="spoke")
    body = dashboard(client, clinician)
    assert "No one on your team has reached out yet." not in body
    assert "reached out" in body and "(spoke with them)" in body

    # A new "yes" after the call: no one has acted on that one yet.
    urgent_signal_record(
        patient=patient, kind="urgent_item9", dedupe_key="8", started_on=patient.today(), answer=2
    )
    assert "No one on your team has reached out yet." in dashboard(client, clinician)


def test_a_patient_who_says_they_are_safe_stays_flagged_until_someone_acts(
    client, clinician, circle
):
    _, patient, _, _ = circle
    urgent_signal_record(
        patient=patient, kind="urgent_checkin", dedupe_key="d", started_on=patient.today()
    )
    urgent_signals_safe_now(patient=patient)

    body = dashboard(client, clinician)
    assert "since then they said they are safe" in body
    assert "No one on your team has reached out yet." in body

    record(client, clinician, patient, outcome="spoke")
    assert "Thoughts of self-harm" not in dashboard(client, clinician)


def test_the_dashboard_shows_how_to_reach_patients_who_share_it_and_logs_that(
    client, clinician, circle
):
    _, patient, other, _ = circle
    ContactDetails.objects.create(patient=patient, phone="07700 900111")  # not shared
    ContactDetails.objects.create(patient=other, phone="07700 900222", email="t@home.test")

    body = dashboard(client, clinician)

    assert 'href="tel:07700900222"' in body
    assert 'href="mailto:t@home.test"' in body
    assert "07700 900111" not in body
    contact_looks = AccessEvent.objects.filter(viewer=clinician, what="contact")
    assert list(contact_looks.values_list("patient", flat=True)) == [other.pk]


# --- Alerts for each new report ------------------------------------------------------------------


def test_each_new_report_on_an_open_card_emails_the_team_once(smtp_settings, clinician, circle):
    _, patient, _, _ = circle
    today = patient.today()
    card = urgent_signal_record(
        patient=patient, kind="urgent_checkin", dedupe_key=today.isoformat(), started_on=today
    )
    assert care_alert_send(signal_id=card.pk) == 1

    card = urgent_signal_record(
        patient=patient,
        kind="urgent_checkin",
        dedupe_key=(today - dt.timedelta(days=1)).isoformat(),
        started_on=today - dt.timedelta(days=1),
    )
    assert list(signals_missing_alerts()) == [card.pk]
    assert care_alert_send(signal_id=card.pk) == 1
    assert care_alert_send(signal_id=card.pk) == 0
    assert list(signals_missing_alerts()) == []
    periods = set(EmailDelivery.objects.values_list("period", flat=True))
    assert periods == {f"signal-{card.pk}", f"signal-{card.pk}-2"}
    assert len(smtp_settings.inbox.messages) == 2
