import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from journal.models import Activity, CheckIn, CheckInActivity, Signal
from journal.services import CheckInData, checkin_save
from tests.factories import (
    CareTeamFactory,
    CheckInFactory,
    ShareFactory,
    TreatmentSessionFactory,
    UserFactory,
)
from tests.journal.conftest import checkin_post
from tests.services import require_postgres

pytestmark = pytest.mark.django_db


def test_a_patient_logs_today_with_only_mood_and_untouched_sliders_save_nothing(
    post_checkin, patient
):
    response = post_checkin(mood="4")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    checkin = CheckIn.objects.get(patient=patient)
    assert checkin.day == patient.today()
    assert checkin.mood == 4
    assert [checkin.energy, checkin.interest, checkin.anxiety] == [None, None, None]
    assert [checkin.irritability, checkin.self_worth, checkin.connection] == [None, None, None]
    assert checkin.sleep_hours is None
    assert checkin.self_harm_thoughts is None


def test_every_answer_is_saved(post_checkin, patient):
    walk = Activity.objects.get(name="Movement", owner=None)
    response = post_checkin(
        mood="7",
        energy="3",
        connection="0",
        sleep_hours="6.5",
        sleep_quality="4",
        appetite="less",
        activities=[str(walk.pk)],
        note="  Walked by the sea.  ",
        self_harm_thoughts="no",
    )

    assert response.status_code == 302
    checkin = CheckIn.objects.get(patient=patient)
    assert (checkin.mood, checkin.energy, checkin.connection) == (7, 3, 0)
    assert checkin.interest is None
    assert checkin.sleep_hours == Decimal("6.5")
    assert checkin.sleep_quality == 4
    assert checkin.appetite == "less"
    assert list(checkin.activities.all()) == [walk]
    # The tag row carries the check-in's day: the weekly job finds a week's tags by it.
    assert list(CheckInActivity.objects.values_list("day", flat=True)) == [checkin.day]
    assert checkin.note == "Walked by the sea."
    assert checkin.self_harm_thoughts is False


def test_the_check_in_page_shows_labelled_sliders_with_their_number_and_a_skip_box(
    patient_client,
):
    body = patient_client.get(reverse("checkin")).content.decode()

    assert "<legend>Energy</legend>" in body
    assert 'type="range"' in body
    assert '<label for="id_energy" class="visually-hidden">Energy, 0 to 10</label>' in body
    assert 'id="id_energy_out"' in body
    assert 'data-skip-for="energy"' in body and "Not answered" in body
    assert "style=" not in body
    assert "js/checkin.js" in body


def test_saving_again_the_same_day_edits_the_entry(post_checkin, patient):
    post_checkin(mood="3")
    response = post_checkin(mood="8", version="1", note="Better by evening")

    assert response.status_code == 302
    checkin = CheckIn.objects.get(patient=patient)
    assert (checkin.mood, checkin.note, checkin.version) == (8, "Better by evening", 2)


def test_a_double_submit_makes_one_row(post_checkin, patient):
    first = post_checkin(mood="5", note="same")
    second = post_checkin(mood="5", note="same")

    assert first.status_code == second.status_code == 302
    assert CheckIn.objects.filter(patient=patient).count() == 1
    assert CheckIn.objects.get(patient=patient).version == 1


def test_a_stale_tab_does_not_overwrite_and_shows_what_is_saved(post_checkin, patient):
    post_checkin(mood="2", note="from my phone")
    response = post_checkin(mood="9", note="from the laptop tab opened earlier", version="0")

    assert response.status_code == 200
    body = response.content.decode()
    assert "saved from another tab or device" in body
    assert "from my phone" in body
    assert 'value="2" id="id_mood_2" required checked' in body
    checkin = CheckIn.objects.get(patient=patient)
    assert (checkin.mood, checkin.note) == (2, "from my phone")


def test_a_missed_day_can_be_filled_in(post_checkin, patient):
    yesterday = patient.today() - dt.timedelta(days=1)
    response = post_checkin(day=yesterday, mood="5")

    assert response.status_code == 302
    assert response["Location"] == reverse("history")
    assert CheckIn.objects.get(patient=patient).day == yesterday


def test_a_day_365_days_back_is_the_oldest_that_can_be_filled_in(post_checkin, patient):
    oldest = patient.today() - dt.timedelta(days=365)
    assert post_checkin(day=oldest, mood="5").status_code == 302
    assert CheckIn.objects.filter(patient=patient, day=oldest).exists()


@pytest.mark.parametrize(
    ("offset", "message"),
    [(1, "hasn&#x27;t happened yet"), (30, "hasn&#x27;t happened yet"), (-366, "365 days ago")],
)
def test_future_and_far_past_days_are_refused_with_a_clear_message(
    patient_client, post_checkin, patient, offset, message
):
    day = patient.today() + dt.timedelta(days=offset)

    page = patient_client.get(reverse("checkin_day", args=[day]))
    posted = post_checkin(day=day, mood="5")

    assert page.status_code == posted.status_code == 400
    assert message in posted.content.decode()
    assert not CheckIn.objects.exists()


def test_the_service_refuses_a_future_day_too(patient):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        checkin_save(
            patient=patient, day=patient.today() + dt.timedelta(days=1), data=CheckInData(mood=5)
        )
    assert not CheckIn.objects.exists()


def test_an_impossible_date_in_the_address_is_not_found(patient_client):
    assert patient_client.get("/checkin/2026-02-30/").status_code == 404


def test_todays_date_in_the_address_goes_to_todays_check_in(patient_client, patient):
    response = patient_client.get(reverse("checkin_day", args=[patient.today()]))
    assert response.status_code == 302
    assert response["Location"] == reverse("checkin")


def test_today_is_the_patients_own_local_day(client):
    far_east = UserFactory(time_zone="Pacific/Kiritimati")
    client.force_login(far_east)
    client.post(reverse("checkin"), checkin_post(mood="6"))

    assert CheckIn.objects.get(patient=far_east).day == far_east.today()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mood", None, "Please choose a number for your mood"),
        ("mood", "11", "Mood is a whole number from 0 to 10."),
        ("mood", "-1", "Mood is a whole number from 0 to 10."),
        ("energy", "12", "Energy is from 0 to 10."),
        ("anxiety", "lots", "Anxiety is a whole number from 0 to 10."),
        ("sleep_hours", "25", "can&#x27;t be more than 24"),
        ("sleep_hours", "-1", "can&#x27;t be below 0"),
        ("sleep_hours", "7.25", "at most one decimal place"),
        ("sleep_quality", "6", "Sleep quality is from 1 (very poor) to 5 (very good)."),
        ("appetite", "huge", "Please choose less, as usual or more."),
        ("activities", "999999", "One of the tags isn&#x27;t available to you."),
        ("new_tag", "x" * 41, "40 characters or fewer"),
        ("note", "x" * 5001, "under 5,000 characters"),
    ],
)
def test_bad_input_gets_a_clear_error_and_saves_nothing(post_checkin, field, value, message):
    response = post_checkin(**{field: value})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CheckIn.objects.exists()
    assert not Activity.objects.filter(owner__isnull=False).exists()


def test_a_tag_of_another_patient_is_refused(post_checkin, other_patient):
    theirs = Activity.objects.create(owner=other_patient, name="Choir")

    response = post_checkin(activities=[str(theirs.pk)])

    assert response.status_code == 200
    assert "One of the tags isn&#x27;t available to you." in response.content.decode()
    assert not CheckIn.objects.exists()


def test_the_check_in_offers_only_built_in_tags_and_the_patients_own(
    patient_client, patient, other_patient
):
    Activity.objects.create(owner=patient, name="Pottery")
    Activity.objects.create(owner=other_patient, name="Secret tag of someone else")

    body = patient_client.get(reverse("checkin")).content.decode()

    assert "Pottery" in body
    assert "Time outdoors" in body
    assert "Secret tag of someone else" not in body


def test_a_patient_adds_a_tag_of_their_own_and_it_is_offered_next_time(
    post_checkin, patient_client, patient
):
    post_checkin(new_tag="  Pottery   class ")

    tag = Activity.objects.get(owner=patient)
    assert tag.name == "Pottery class"
    assert list(CheckIn.objects.get(patient=patient).activities.all()) == [tag]
    assert "Pottery class" in patient_client.get(reverse("checkin")).content.decode()


def test_typing_a_built_in_tag_name_reuses_the_built_in(post_checkin, patient):
    post_checkin(new_tag="time OUTDOORS")

    assert not Activity.objects.filter(owner=patient).exists()
    assert [a.name for a in CheckIn.objects.get(patient=patient).activities.all()] == [
        "Time outdoors"
    ]


@pytest.mark.parametrize(
    ("after", "shown"),
    [
        (0, False),
        (1, True),
        (2, False),
        (3, True),
        (4, False),
        (6, False),
        (7, True),
        (8, False),
        (29, False),
        (30, True),
        (31, False),
    ],
)
def test_integration_prompts_show_1_3_7_and_30_days_after_a_session(
    patient_client, post_checkin, patient, after, shown
):
    today = patient.today()
    TreatmentSessionFactory(patient=patient, day=today - dt.timedelta(days=after))

    body = patient_client.get(reverse("checkin")).content.decode()
    post_checkin(
        integration_shifted="Mornings feel lighter", integration_carry_forward="Walk first"
    )

    assert ("What shifted for you since your session?" in body) is shown
    checkin = CheckIn.objects.get(patient=patient)
    assert (checkin.integration_shifted == "Mornings feel lighter") is shown
    assert (checkin.integration_carry_forward == "Walk first") is shown


def test_the_integration_window_follows_the_day_being_logged_not_today(patient_client, patient):
    session_day = patient.today() - dt.timedelta(days=10)
    TreatmentSessionFactory(patient=patient, day=session_day)

    inside = patient_client.get(reverse("checkin_day", args=[session_day + dt.timedelta(7)]))
    outside = patient_client.get(reverse("checkin_day", args=[session_day + dt.timedelta(5)]))

    assert "What shifted" in inside.content.decode()
    assert "What shifted" not in outside.content.decode()


def test_another_patients_session_opens_no_integration_window(
    patient_client, patient, other_patient
):
    TreatmentSessionFactory(patient=other_patient, day=patient.today() - dt.timedelta(days=1))
    assert "What shifted" not in patient_client.get(reverse("checkin")).content.decode()


def test_yes_to_the_self_harm_question_shows_help_in_the_same_response(post_checkin, patient):
    team = CareTeamFactory(name="Harbour Clinic", crisis_note="Call our on-call nurse: 555-0199")
    ShareFactory(patient=patient, team=team)
    revoked_team = CareTeamFactory(crisis_note="Old clinic line 555-0000")
    from django.utils import timezone

    ShareFactory(patient=patient, team=revoked_team, revoked_at=timezone.now())

    response = post_checkin(mood="1", self_harm_thoughts="yes")

    assert response.status_code == 200
    body = response.content.decode()
    assert "988" in body
    assert 'Call our on-call nurse: <a class="tappable" href="tel:5550199"' in body
    assert "Harbour Clinic" in body
    assert "555-0000" not in body
    assert "Make my safety plan" in body
    assert CheckIn.objects.get(patient=patient).self_harm_thoughts is True
    signal = Signal.objects.get(patient=patient)
    assert signal.kind == Signal.Kind.URGENT_CHECKIN
    assert signal.dedupe_key == patient.today().isoformat()
    assert mail.outbox == []


def test_saving_the_day_again_with_yes_records_one_urgent_signal(post_checkin, patient):
    post_checkin(mood="1", self_harm_thoughts="yes")
    post_checkin(mood="2", self_harm_thoughts="yes", version="1")
    post_checkin(mood="2", self_harm_thoughts="yes", version="2")

    assert Signal.objects.filter(patient=patient, kind="urgent_checkin").count() == 1


def test_no_or_no_answer_to_the_self_harm_question_records_no_signal(post_checkin, patient):
    post_checkin(mood="1", self_harm_thoughts="no")
    assert not Signal.objects.exists()


def test_care_team_accounts_have_no_check_in_page(client, clinician):
    client.force_login(clinician)
    assert client.get(reverse("checkin")).status_code == 404


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("checkin"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_database_refuses_out_of_range_values_and_a_second_row_for_a_day(patient):
    require_postgres()
    day = patient.today()
    CheckInFactory(patient=patient, day=day)
    for bad in ({"mood": 11}, {"energy": 11}, {"sleep_hours": Decimal("24.5")}):
        with pytest.raises(IntegrityError), transaction.atomic():
            CheckInFactory(patient=patient, day=day - dt.timedelta(days=1), **bad)
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckInFactory(patient=patient, day=day)
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckInFactory(patient=patient, day=day - dt.timedelta(days=2), appetite="huge")
    assert CheckIn.objects.count() == 1


# The built-in tags a flush removes are put back by tests/conftest.py for every transactional
# test. serialized_rollback would do it again and, on SQLite, clash with the content types the
# previous transactional test's flush had already recreated.
@pytest.mark.django_db(transaction=True)
def test_two_submits_at_the_same_moment_make_one_row():
    require_postgres()
    patient = UserFactory()
    day = patient.today()
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            checkin_save(
                patient=patient, day=day, data=CheckInData(mood=4, note="same"), expected_version=0
            )
            outcomes.append("saved")
        except Exception as exc:  # recorded, asserted below
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert outcomes == ["saved", "saved"]
    assert CheckIn.objects.filter(patient=patient, day=day).count() == 1


def test_a_tampered_version_field_gets_a_clear_error(post_checkin):
    response = post_checkin(version="banana")
    assert response.status_code == 200
    assert "This page is out of date" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_yes_from_a_stale_tab_is_never_lost(post_checkin, patient):
    post_checkin(mood="5", note="from my phone")
    response = post_checkin(mood="1", note="stale tab", self_harm_thoughts="yes", version="0")

    assert response.status_code == 200
    body = response.content.decode()
    assert "988" in body
    assert "the rest of that form wasn" in body
    checkin = CheckIn.objects.get(patient=patient)
    assert (checkin.mood, checkin.note, checkin.self_harm_thoughts) == (5, "from my phone", True)
    assert Signal.objects.filter(patient=patient, kind="urgent_checkin").count() == 1


def test_a_refused_check_in_creates_no_tag(post_checkin, patient):
    post_checkin(mood="5")
    post_checkin(mood="6", new_tag="Pottery", version="0")  # stale: nothing applied
    assert not Activity.objects.filter(owner=patient).exists()


def test_built_in_tags_come_before_the_patients_own(patient_client, patient):
    Activity.objects.create(owner=patient, name="Aardvark watching")
    body = patient_client.get(reverse("checkin")).content.decode()
    assert body.index("Movement") < body.index("Aardvark watching")


def test_the_form_posts_to_its_own_day_so_midnight_does_not_move_it(patient_client, patient):
    today = patient.today()
    body = patient_client.get(reverse("checkin")).content.decode()
    assert f'action="{reverse("checkin_day", args=[today])}"' in body

    response = patient_client.post(reverse("checkin_day", args=[today]), checkin_post(mood="6"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert CheckIn.objects.get(patient=patient).day == today


def test_each_integration_prompt_is_answered_once_on_its_days_check_in(
    patient_client, post_checkin, patient, other_patient
):
    """A prompt (session, day after) belongs to that day's check-in: a second submit of the same
    form keeps the first answer (one row), an edit from the saved version changes that one
    answer, and another patient's answer on the same day stays theirs."""
    today = patient.today()
    for person in (patient, other_patient):
        TreatmentSessionFactory(patient=person, day=today - dt.timedelta(days=7))
    CheckInFactory(patient=other_patient, day=today, integration_shifted="Theirs")

    post_checkin(integration_shifted="First words")
    post_checkin(integration_shifted="Second thoughts")  # the same form sent again

    def answers():
        return list(
            CheckIn.objects.filter(patient=patient).values_list("integration_shifted", flat=True)
        )

    assert answers() == ["First words"]
    saved = CheckIn.objects.get(patient=patient)
    post_checkin(version=saved.version, integration_shifted="Changed my mind")
    assert answers() == ["Changed my mind"]
    assert CheckIn.objects.get(patient=other_patient).integration_shifted == "Theirs"


def test_editing_a_day_whose_prompt_has_gone_keeps_the_words_written_then(
    patient_client, post_checkin, patient, other_patient
):
    """Day 2 after a session had a prompt before the prompts' days became 1, 3, 7 and 30: its
    form now shows none, and saving it keeps what was written (nothing lost)."""
    day = patient.today() - dt.timedelta(days=3)
    for person in (patient, other_patient):
        TreatmentSessionFactory(patient=person, day=day - dt.timedelta(days=2))
        CheckInFactory(patient=person, day=day, mood=4, integration_shifted="Softer mornings")
    saved = CheckIn.objects.get(patient=patient)

    page = patient_client.get(reverse("checkin_day", args=[day])).content.decode()
    post_checkin(day=day, version=saved.version, mood="7")

    assert "What shifted" not in page
    saved.refresh_from_db()
    assert (saved.mood, saved.integration_shifted) == (7, "Softer mornings")
    assert CheckIn.objects.get(patient=other_patient).mood == 4
