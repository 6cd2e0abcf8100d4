"""Two patients active on the same day, through every path that writes or reads patient data:
nothing of one reaches or changes the other.

Each test starts from `two_patients` (tests/conftest.py): ALPHA and BRAVO both checked in
yesterday, with a tag, a session, questionnaires, a safety plan and a share each, and every text
they wrote carries their label. The bugs these tests were checked against (each planted by hand,
the test run and seen failing, then reverted) are listed in TESTING.md.
"""

import datetime as dt
import io
import json
import uuid
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from accounts.models import User
from accounts.services import account_delete
from careteam.access import grant_for
from careteam.models import AccessEvent, Share
from journal import services
from journal.access import EVERYTHING, Grant, Scope
from journal.export import export_checkins_csv, export_json
from journal.export_zip import export_zip
from journal.fhir import export_fhir
from journal.models import (
    Activity,
    CheckIn,
    QuestionnaireResponse,
    SafetyPlan,
    Signal,
    TreatmentSession,
    WeeklySummary,
)
from journal.reminders.due import reminders_due
from journal.report.build import report_for
from journal.signals import signals_evaluate
from journal.weekly import week_start, weekly_summaries_refresh_week, weekly_summary_refresh
from tests.factories import daily_history, reauthenticate

pytestmark = pytest.mark.django_db


def own(person) -> Grant:
    return Grant(patient=person.user, scope=EVERYTHING, viewer=person.user)


def assert_only(text: str, mine, theirs) -> None:
    """Everything `mine` wrote is in `text`, nothing `theirs` wrote is."""
    for marker in mine.markers:
        assert marker in text, f"{mine.label}'s {marker!r} missing"
    for marker in theirs.markers:
        assert marker not in text, f"{theirs.label}'s {marker!r} leaked"


def snapshot(person) -> dict:
    """Everything of `person` a write could change, as plain values."""
    user = person.user
    return {
        "checkins": list(
            CheckIn.objects.filter(patient=user)
            .order_by("day")
            .values("day", "mood", "energy", "note", "version")
        ),
        "tags": sorted(
            CheckIn.objects.filter(patient=user).values_list("activities__name", flat=True)
        ),
        "own_tags": sorted(Activity.objects.filter(owner=user).values_list("name", flat=True)),
        "sessions": list(
            TreatmentSession.objects.filter(patient=user).values(
                "day", "provider", "intention", "insights"
            )
        ),
        "questionnaires": list(
            QuestionnaireResponse.objects.filter(patient=user)
            .order_by("pk")
            .values("instrument", "total", "answers")
        ),
        "plan": list(SafetyPlan.objects.filter(patient=user).values(*SafetyPlan.SECTIONS)),
        "weeks": list(WeeklySummary.objects.filter(patient=user).values("week_start", "mood_mean")),
        "signals": sorted(Signal.objects.filter(patient=user).values_list("kind", flat=True)),
        "shares": list(Share.objects.filter(patient=user).values("team_id", "scope")),
    }


# --- Check-ins: save and edit --------------------------------------------------------------


def test_editing_the_same_day_changes_only_the_editors_check_in(two_patients):
    """The lookup of the day's check-in to edit includes the patient: each edits their own
    row, in both orders (whichever row a patient-less lookup would find first)."""
    alpha, bravo = two_patients
    day = two_patients.day
    before_alpha = snapshot(alpha)

    services.checkin_save(patient=bravo.user, day=day, data=services.CheckInData(mood=8))
    assert snapshot(alpha) == before_alpha
    before_bravo = snapshot(bravo)

    services.checkin_save(patient=alpha.user, day=day, data=services.CheckInData(mood=3))
    assert snapshot(bravo) == before_bravo
    assert CheckIn.objects.get(patient=alpha.user, day=day).mood == 3
    assert CheckIn.objects.get(patient=bravo.user, day=day).mood == 8
    assert CheckIn.objects.filter(day=day).count() == 2


def test_a_stale_form_is_judged_against_the_patients_own_row(two_patients):
    """Alpha's row is at version 1 after an edit; Bravo's form for the same day still says
    version 0, and his row is at 0: his save is not stale and goes through."""
    alpha, bravo = two_patients
    day = two_patients.day
    services.checkin_save(patient=alpha.user, day=day, data=services.CheckInData(mood=4))
    bravo_version = CheckIn.objects.get(patient=bravo.user, day=day).version

    saved = services.checkin_save(
        patient=bravo.user,
        day=day,
        data=services.CheckInData(mood=7),
        expected_version=bravo_version,
    )

    assert saved.patient_id == bravo.user.pk
    assert saved.mood == 7
    assert CheckIn.objects.get(patient=alpha.user, day=day).mood == 4


def test_a_check_in_through_the_page_edits_only_the_signed_in_patients_day(client, two_patients):
    alpha, bravo = two_patients
    day = two_patients.day
    before_alpha = snapshot(alpha)
    client.force_login(bravo.user)
    version = CheckIn.objects.get(patient=bravo.user, day=day).version

    response = client.post(
        reverse("checkin_day", args=[day]), {"version": str(version), "mood": "5"}
    )

    assert response.status_code in (200, 302)
    assert CheckIn.objects.get(patient=bravo.user, day=day).mood == 5
    assert snapshot(alpha) == before_alpha


def test_a_self_harm_answer_opens_a_signal_for_that_patient_only(two_patients):
    alpha, bravo = two_patients
    services.checkin_save(
        patient=alpha.user,
        day=two_patients.day,
        data=services.CheckInData(mood=1, self_harm_thoughts=True),
    )
    assert Signal.objects.filter(patient=alpha.user, kind=Signal.Kind.URGENT_CHECKIN).exists()
    assert not Signal.objects.filter(patient=bravo.user).exists()


# --- Tags --------------------------------------------------------------------------------


def test_a_patient_cannot_put_another_patients_tag_on_their_day(two_patients):
    alpha, bravo = two_patients
    before = snapshot(alpha)
    with pytest.raises(ValidationError):
        services.checkin_save(
            patient=bravo.user,
            day=two_patients.day,
            data=services.CheckInData(mood=6, activities=[alpha.tag]),
        )
    assert snapshot(alpha) == before


def test_a_tag_of_the_same_name_is_a_new_tag_of_ones_own(two_patients):
    alpha, bravo = two_patients
    tag = services.activity_create(patient=bravo.user, name="alpha TAG")
    assert tag.owner_id == bravo.user.pk
    assert tag.pk != alpha.tag.pk
    services.checkin_save(
        patient=bravo.user,
        day=two_patients.day,
        data=services.CheckInData(mood=6, new_tag="ALPHA tag"),
    )
    bravo_tags = set(
        CheckIn.objects.get(patient=bravo.user, day=two_patients.day).activities.values_list(
            "owner_id", flat=True
        )
    )
    assert bravo_tags == {bravo.user.pk}
    assert list(alpha.tag.checkins.values_list("patient_id", flat=True)) == [alpha.user.pk]


# --- Sessions, questionnaires, safety plan -----------------------------------------------


def test_a_patient_cannot_edit_another_patients_session(two_patients):
    alpha, bravo = two_patients
    session = TreatmentSession.objects.get(patient=alpha.user)
    before = snapshot(alpha)
    data = services.SessionData(day=two_patients.day, time=dt.time(9), kind="iv", insights="x")
    with pytest.raises(ValidationError):
        services.treatment_session_save(patient=bravo.user, data=data, session=session)
    assert snapshot(alpha) == before

    services.treatment_session_save(patient=bravo.user, data=data)
    assert snapshot(alpha) == before
    assert TreatmentSession.objects.filter(patient=bravo.user).count() == 2


def test_a_session_page_of_another_patient_is_not_found(client, two_patients):
    alpha, bravo = two_patients
    session = TreatmentSession.objects.get(patient=alpha.user)
    client.force_login(bravo.user)
    assert client.get(reverse("session_edit", args=[session.pk])).status_code == 404
    response = client.post(
        reverse("session_edit", args=[session.pk]),
        {"day": two_patients.day.isoformat(), "time": "09:00", "kind": "iv", "insights": "x"},
    )
    assert response.status_code == 404
    assert TreatmentSession.objects.get(pk=session.pk).insights == "ALPHA insight"


def test_a_questionnaire_form_of_another_patient_is_refused(two_patients):
    alpha, bravo = two_patients
    key = QuestionnaireResponse.objects.filter(patient=alpha.user).first().submission_key
    before = snapshot(alpha)
    with pytest.raises(ValidationError):
        services.questionnaire_submit(
            patient=bravo.user, instrument="phq9", answers=[3] * 9, submission_key=key
        )
    assert snapshot(alpha) == before
    # A fresh form of his own is stored as his.
    result = services.questionnaire_submit(
        patient=bravo.user, instrument="phq9", answers=[3] * 9, submission_key=uuid.uuid4()
    )
    assert result.response.patient_id == bravo.user.pk
    assert snapshot(alpha) == before


def test_saving_a_safety_plan_changes_only_ones_own(two_patients):
    alpha, bravo = two_patients
    before = snapshot(alpha)
    services.safety_plan_save(patient=bravo.user, sections={"reasons_for_living": "my dog"})
    services.safety_plan_add(patient=bravo.user, section="warning_signs", text="late nights")
    assert snapshot(alpha) == before
    plan = SafetyPlan.objects.get(patient=bravo.user)
    assert plan.reasons_for_living == "my dog"
    assert plan.warning_signs == "BRAVO warning sign\nlate nights"


# --- Exports, in every format ------------------------------------------------------------


def test_the_json_export_holds_only_the_patients_own_data(two_patients):
    alpha, bravo = two_patients
    text = export_json(own(alpha))
    assert_only(text, alpha, bravo)
    data = json.loads(text)
    assert data["account"]["email"] == alpha.user.email
    assert [c["mood"] for c in data["check_ins"]] == [alpha.mood]
    assert [q["total"] for q in data["questionnaires"] if q["instrument"] == "phq9"] == [11]
    assert bravo.user.email not in text


def test_the_csv_export_holds_only_the_patients_own_days(two_patients):
    _alpha, bravo = two_patients
    text = export_checkins_csv(own(bravo))
    assert "BRAVO note" in text and "BRAVO tag" in text
    assert "ALPHA" not in text
    assert len(text.strip().splitlines()) == 2  # the header and Bravo's one day


def test_the_zip_export_holds_only_the_patients_own_data_in_every_file(two_patients):
    alpha, bravo = two_patients
    archive = zipfile.ZipFile(io.BytesIO(export_zip(own(alpha))))
    everything = "\n".join(archive.read(name).decode() for name in archive.namelist())
    assert_only(everything, alpha, bravo)
    sessions = archive.read("sessions.csv").decode()
    assert "ALPHA intention" in sessions
    assert len(sessions.strip().splitlines()) == 2  # header and Alpha's one session
    questionnaires = archive.read("questionnaires.csv").decode().strip().splitlines()
    assert len(questionnaires) == 3  # header, Alpha's PHQ-9 and GAD-7
    assert ",11," in questionnaires[1] + questionnaires[2]


def test_the_fhir_export_holds_only_the_patients_own_data(two_patients):
    alpha, _bravo = two_patients
    text = export_fhir(own(alpha), include_notes=True)
    for marker in ("ALPHA note", "ALPHA intention", "ALPHA insight"):
        assert marker in text
    assert "BRAVO" not in text
    bundle = json.loads(text)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("QuestionnaireResponse") == 2  # Alpha's PHQ-9 and GAD-7
    patients = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert len(patients) == 1


def test_the_appointment_report_holds_only_the_patients_own_data(two_patients):
    alpha, _bravo = two_patients
    today = two_patients.day + dt.timedelta(days=1)  # the questionnaires were filled today
    report = report_for(alpha.user, today - dt.timedelta(days=30), today)
    assert (report.days_logged, report.mood_mean, report.mood_high) == (1, alpha.mood, alpha.mood)
    assert len(report.sessions) == 1
    assert [s.total for s in report.scores if s.instrument == "phq9"] == [11]
    assert "BRAVO" not in repr(report)


def test_the_export_page_downloads_only_the_signed_in_patients_data(client, two_patients):
    _alpha, bravo = two_patients
    client.force_login(bravo.user)
    reauthenticate(client)
    for fmt in ("json", "csv", "zip", "fhir"):
        response = client.post(reverse("data_export"), {"format": fmt, "include_notes": "on"})
        assert response.status_code == 200, fmt
        body = response.content
        if fmt == "zip":
            archive = zipfile.ZipFile(io.BytesIO(body))
            body = b"".join(archive.read(n) for n in archive.namelist())
        assert b"BRAVO note" in body, fmt
        assert b"ALPHA" not in body, fmt


# --- Deletion ----------------------------------------------------------------------------


def test_deleting_one_account_leaves_the_other_whole(two_patients):
    alpha, bravo = two_patients
    weekly_summary_refresh(patient_id=alpha.user.pk, day=two_patients.day)
    before = snapshot(alpha)
    assert all(before[k] for k in ("checkins", "tags", "sessions", "questionnaires", "plan"))
    bravo_id = bravo.user.pk

    account_delete(user=bravo.user)

    assert not User.objects.filter(pk=bravo_id).exists()
    assert snapshot(alpha) == before
    assert not CheckIn.objects.filter(patient_id=bravo_id).exists()
    assert not Activity.objects.filter(owner_id=bravo_id).exists()


# --- Weekly summaries and signals --------------------------------------------------------


def test_a_weekly_summary_counts_only_the_patients_own_days(two_patients):
    alpha, bravo = two_patients
    week = week_start(two_patients.day)

    weekly_summary_refresh(patient_id=alpha.user.pk, day=two_patients.day)
    assert not WeeklySummary.objects.filter(patient=bravo.user).exists()
    weekly_summaries_refresh_week(start=week)

    mine = WeeklySummary.objects.get(patient=alpha.user, week_start=week)
    theirs = WeeklySummary.objects.get(patient=bravo.user, week_start=week)
    assert (mine.days_logged, mine.mood_mean) == (1, alpha.mood)
    assert (theirs.days_logged, theirs.mood_mean) == (1, bravo.mood)
    assert set(mine.activities) == {str(alpha.tag.pk)}
    assert set(theirs.activities) == {str(bravo.tag.pk)}


def test_a_slide_signals_for_the_patient_who_slid_only(two_patients):
    """Alpha slides for three weeks; Bravo, on the same days, does not: the rule reads each
    patient's own series."""
    alpha, bravo = two_patients
    CheckIn.objects.all().delete()
    end = two_patients.day
    slide = dict(mood=lambda i: 7 if i < 42 else 3, energy=lambda i: 6 if i < 42 else 2)
    slide["sleep_hours"] = lambda i: 7.5 if i < 42 else 4.5
    daily_history(alpha.user, days=56, end=end, **slide)
    daily_history(bravo.user, days=56, end=end, mood=lambda i: 7, energy=6, sleep_hours=7.5)

    signals_evaluate(patient_id=bravo.user.pk, today=end)
    assert not Signal.objects.filter(kind=Signal.Kind.SUSTAINED_SLIDE).exists()
    signals_evaluate(patient_id=alpha.user.pk, today=end)
    slides = Signal.objects.filter(kind=Signal.Kind.SUSTAINED_SLIDE)
    assert list(slides.values_list("patient_id", flat=True)) == [alpha.user.pk]


def test_a_phq9_rise_signals_for_the_patient_whose_score_rose(two_patients):
    """Bravo's last PHQ-9 was 4, Alpha's 11. Alpha fills a 16 (a rise of 5 and over 15);
    Bravo a 4 again."""
    alpha, bravo = two_patients
    services.questionnaire_submit(
        patient=alpha.user, instrument="phq9", answers=[2] * 8 + [0], submission_key=uuid.uuid4()
    )
    services.questionnaire_submit(
        patient=bravo.user,
        instrument="phq9",
        answers=[1] * 4 + [0] * 5,
        submission_key=uuid.uuid4(),
    )
    for person in two_patients:
        signals_evaluate(patient_id=person.user.pk)
    assert set(Signal.objects.filter(patient=alpha.user).values_list("kind", flat=True)) == {
        Signal.Kind.PHQ9_RISE,
        Signal.Kind.PHQ9_HIGH,
    }
    assert not Signal.objects.filter(patient=bravo.user).exists()


# --- Reminders ---------------------------------------------------------------------------


def test_only_the_patient_who_has_not_checked_in_is_reminded(two_patients):
    """Alpha checked in on the day, Bravo did not: at their shared reminder time only Bravo is
    due. "Checked in today" is looked up per patient, not per day."""
    alpha, bravo = two_patients
    CheckIn.objects.filter(patient=bravo.user).delete()
    for person in two_patients:
        User.objects.filter(pk=person.user.pk).update(
            reminder_enabled=True,
            reminder_time=dt.time(20, 0),
            questionnaire_reminder_enabled=False,
        )
    users = list(User.objects.filter(pk__in=[alpha.user.pk, bravo.user.pk]).order_by("pk"))
    moment = dt.datetime.combine(two_patients.day, dt.time(20, 0), tzinfo=ZoneInfo("Europe/London"))

    plan = reminders_due(users=users, as_of=moment, now=moment)

    checkin_reminders = [d.user.pk for d in plan if d.kind == "checkin_reminder"]
    assert checkin_reminders == [bravo.user.pk]


# --- The door: each team sees its own patient --------------------------------------------


def test_each_clinician_sees_only_the_patient_who_shared_with_their_team(client, two_patients):
    alpha, bravo = two_patients
    grant = grant_for(alpha.clinician, alpha.user.public_id, need=Scope.NOTES, what="notes")
    assert grant.patient == alpha.user
    with pytest.raises(Http404):
        grant_for(alpha.clinician, bravo.user.public_id, need=Scope.TRENDS, what="trends")
    looks = AccessEvent.objects.filter(viewer=alpha.clinician)
    assert sorted(looks.values_list("patient_id", "allowed")) == sorted(
        [(alpha.user.pk, True), (bravo.user.pk, False)]
    )
    client.force_login(bravo.clinician)
    page = client.get(reverse("careteam:dashboard")).content.decode()
    assert bravo.user.display_name in page
    assert alpha.user.display_name not in page
