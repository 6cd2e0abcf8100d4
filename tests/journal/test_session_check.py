"""The after-session self-check: how it felt, after-effects, blood pressure; a severe answer
shows the clinic's contact and the help page."""

import datetime as dt

import pytest
from django.urls import reverse

from journal.after_session import EFFECT_KEYS, Moment, moment_for
from journal.models import SessionCheck
from tests.factories import CareTeamFactory, ShareFactory, TreatmentSessionFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


@pytest.mark.parametrize(
    ("now", "moment"),
    [
        (at(DAY, 16, 59), None),
        (at(DAY, 17, 0), Moment.EVENING),
        (at(DAY + dt.timedelta(days=1), 23, 59), Moment.NEXT_DAY),
        (at(DAY + dt.timedelta(days=2), 0, 0), None),
    ],
)
def test_the_check_is_offered_from_the_evening_of_to_the_end_of_the_day_after(now, moment):
    assert moment_for(DAY, now) == moment


def post(moment="evening", felt="6", **fields):
    data = {"moment": moment, "felt": felt, **{f"effect_{k}": "0" for k in EFFECT_KEYS}}
    data.update(fields)
    return data


def test_a_check_is_saved_once_per_moment_and_edited_after(patient_client, patient):
    session = TreatmentSessionFactory(patient=patient)
    url = reverse("session_check", args=[session.pk])
    assert patient_client.get(url).status_code == 200
    for felt in ("6", "7"):  # a double submit, or a correction
        response = patient_client.post(url, post(felt=felt, effect_nausea="1"))
        assert response.status_code == 302
    check = SessionCheck.objects.get(session=session)
    assert (check.felt, check.effects, check.moment) == (7, {"nausea": 1}, "evening")


def test_a_severe_after_effect_shows_the_clinics_contact_and_the_help_page(patient_client, patient):
    team = CareTeamFactory(name="Harbour Clinic", crisis_note="Call us on 555-0100, any hour.")
    ShareFactory(patient=patient, team=team)
    session = TreatmentSessionFactory(patient=patient)
    response = patient_client.post(
        reverse("session_check", args=[session.pk]), post(effect_heart="3", effect_nausea="2")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "A racing heart or raised blood pressure you noticed" in html
    assert "Feeling sick" not in html  # moderate is not severe
    assert "Harbour Clinic" in html and "555-0100" in html
    assert reverse("need_help_now") in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"bp_before_systolic": "130"}, "Please enter both numbers of the blood pressure before"),
        (
            {"bp_after_systolic": "80", "bp_after_diastolic": "120"},
            "The first blood-pressure number (systolic) is the higher one",
        ),
        ({"bp_after_systolic": "400", "bp_after_diastolic": "80"}, "readings go from 60 to 260"),
        ({"effect_unreal": "5"}, "Select a valid choice"),
        ({"felt": ""}, "Please choose a number from 0 to 10."),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(patient_client, patient, fields, message):
    session = TreatmentSessionFactory(patient=patient)
    response = patient_client.post(reverse("session_check", args=[session.pk]), post(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SessionCheck.objects.exists()


def test_a_reading_before_and_after_is_kept(patient_client, patient, other_patient):
    session = TreatmentSessionFactory(patient=patient)
    theirs = TreatmentSessionFactory(patient=other_patient)
    data = post(
        moment="next_day",
        bp_before_systolic="128",
        bp_before_diastolic="82",
        bp_after_systolic="142",
        bp_after_diastolic="90",
    )
    assert patient_client.post(reverse("session_check", args=[session.pk]), data).status_code == 302
    check = SessionCheck.objects.get()
    assert (check.patient, check.bp_after_systolic, check.bp_after_diastolic) == (patient, 142, 90)
    # Someone else's session: not found, nothing saved for them.
    assert patient_client.post(reverse("session_check", args=[theirs.pk]), data).status_code == 404
    assert SessionCheck.objects.count() == 1


def test_the_pre_session_checklist_has_a_default_and_saves_what_is_ticked(patient_client, patient):
    session = TreatmentSessionFactory(patient=patient)
    url = reverse("session_before", args=[session.pk])
    page = patient_client.get(url).content.decode()
    assert "A ride home is arranged" in page and "No alcohol today" in page
    response = patient_client.post(url, {"ticked": ["No alcohol today"]})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.checklist_ticked == ["No alcohol today"]


def test_a_teams_own_checklist_wording_replaces_the_default(patient_client, patient):
    team = CareTeamFactory(
        name="Harbour Clinic", pre_session_checklist="Someone drives me home\n\nNo food after 8"
    )
    ShareFactory(patient=patient, team=team)
    session = TreatmentSessionFactory(patient=patient)
    url = reverse("session_before", args=[session.pk])
    page = patient_client.get(url).content.decode()
    assert "Someone drives me home" in page and "as Harbour Clinic asked" in page
    assert "A ride home is arranged" not in page
    response = patient_client.post(url, {"ticked": ["A ride home is arranged"]})
    assert response.status_code == 200  # not an item of this list
    assert "Please tick items from the list." in response.content.decode()
    session.refresh_from_db()
    assert session.checklist_ticked == []
