"""A warning's life cycle: one current card per kind, repeated reports update it, the patient
sees where it stands with their team, and it rests after calm days or when they say they are
safe now; rested cards stay in the history."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from careteam.models import Outreach
from journal.models import CheckIn, Signal, SignalReport
from journal.services import CheckInData, checkin_save
from journal.signals import signals_evaluate, urgent_signal_record, urgent_signals_rest
from tests.factories import (
    CareTeamFactory,
    CareUserFactory,
    MembershipFactory,
    ShareFactory,
    UserFactory,
)
from tests.services import require_postgres

pytestmark = pytest.mark.django_db


def say_yes(patient, day):
    """A "yes" in the check-in for `day`, filled in on that day, as a daily check-in is (filled
    in later, it would be a past day's report: tests/careteam/test_past_day_self_harm.py)."""
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=patient.zoneinfo)
    with time_machine.travel(min(noon, timezone.now()), tick=False):
        return checkin_save(
            patient=patient, day=day, data=CheckInData(mood=2, self_harm_thoughts=True)
        )


def calm(patient, day):
    return checkin_save(
        patient=patient, day=day, data=CheckInData(mood=6, self_harm_thoughts=False)
    )


def test_three_yes_days_make_one_card_that_says_on_3_of_the_last_7_days(client):
    patient, other = UserFactory(), UserFactory()
    today = patient.today()
    for ago in (5, 2, 0):
        say_yes(patient, today - dt.timedelta(days=ago))
    say_yes(other, today)

    card = Signal.objects.get(patient=patient)
    assert (card.kind, card.reports, card.resolved_at) == ("urgent_checkin", 3, None)
    assert SignalReport.objects.filter(signal=card).count() == 3
    assert Signal.objects.get(patient=other).reports == 1
    client.force_login(patient)
    for url in (reverse("home"), reverse("trends")):
        body = client.get(url).content.decode()
        assert body.count("You told us about thoughts of self-harm") == 1
        assert "on 3 of the last 7 days" in body


def test_one_report_names_its_day_and_older_ones_leave_the_count():
    patient = UserFactory()
    today = patient.today()
    say_yes(patient, today - dt.timedelta(days=9))
    card = Signal.objects.get(patient=patient)
    day = today - dt.timedelta(days=9)
    assert f"on {day.day} {day:%B}" in card.words_for_patient(today).text

    say_yes(patient, today)  # one in the last 7 days, one before them
    card.refresh_from_db()
    assert f"on {today.day} {today:%B}" in card.words_for_patient(today).text
    assert "of the last 7 days" not in card.words_for_patient(today).text


def test_saving_the_same_day_again_or_twice_adds_no_report(post_checkin, patient):
    post_checkin(mood="2", self_harm_thoughts="yes")
    post_checkin(mood="3", self_harm_thoughts="yes", version=1)  # an edit of the same day
    post_checkin(mood="3", self_harm_thoughts="yes", version=2)  # and the same post again

    card = Signal.objects.get(patient=patient)
    assert card.reports == 1
    assert SignalReport.objects.filter(patient=patient).count() == 1


def test_a_phq9_and_a_check_in_keep_a_card_each_and_two_phq9s_share_one():
    patient = UserFactory()
    today = patient.today()
    urgent_signal_record(
        patient=patient, kind="urgent_item9", dedupe_key="101", started_on=today, answer=1
    )
    urgent_signal_record(
        patient=patient, kind="urgent_item9", dedupe_key="102", started_on=today, answer=3
    )
    say_yes(patient, today)

    item9 = Signal.objects.get(patient=patient, kind="urgent_item9")
    assert (item9.reports, item9.details["answer"]) == (2, 3)
    assert "“nearly every day”" in item9.words_for_team(today).text
    assert Signal.objects.filter(patient=patient, kind="urgent_checkin").count() == 1


def test_the_database_keeps_one_open_card_per_kind():
    patient = UserFactory()
    card = say_yes(patient, patient.today()) and Signal.objects.get(patient=patient)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signal.objects.create(
            patient=patient,
            kind=card.kind,
            dedupe_key="another",
            started_on=card.started_on,
            detected_at=timezone.now(),
            last_reported_at=timezone.now(),
        )


# --- Where it stands with the team ------------------------------------------------------------


def shared_with_a_team(patient, name="Harbour Clinic"):
    team = CareTeamFactory(name=name)
    member = CareUserFactory(display_name="Dr Reyes")
    MembershipFactory(team=team, user=member)
    ShareFactory(patient=patient, team=team)
    return team, member


def card_status(client, patient):
    client.force_login(patient)
    return client.get(reverse("home")).content.decode()


def test_the_patient_sees_new_then_seen_then_reached_out_without_the_team_s_note(client):
    patient = UserFactory()
    team, member = shared_with_a_team(patient)
    say_yes(patient, patient.today())
    card = Signal.objects.get(patient=patient)

    body = card_status(client, patient)
    assert "Your care team at Harbour Clinic can see this in Tideline." in body

    Signal.objects.filter(pk=card.pk).update(acknowledged_at=timezone.now(), acknowledged_by=member)
    now = timezone.localtime(timezone.now(), patient.zoneinfo)
    assert f"Your care team saw this on {now.day} {now:%B}." in card_status(client, patient)

    Outreach.objects.create(
        patient=patient,
        team=team,
        by=member,
        by_name="Dr Reyes",
        at=timezone.now(),
        how="phone",
        outcome="left_message",
        note="MARKER-TEAM-ONLY: sounded flat on the voicemail greeting",
    )
    body = card_status(client, patient)
    assert f"Your team at Harbour Clinic left you a message on {now.day} {now:%B}." in body
    assert "MARKER-TEAM-ONLY" not in body
    assert "MARKER-TEAM-ONLY" not in client.get(reverse("trends")).content.decode()


def test_without_a_team_the_card_says_no_one_was_told_here(client, patient):
    say_yes(patient, patient.today())
    assert "so no one has been told here" in card_status(client, patient)


def test_another_patient_s_outreach_never_shows_on_a_card(client):
    patient, other = UserFactory(), UserFactory()
    team, member = shared_with_a_team(patient)
    ShareFactory(patient=other, team=team)
    say_yes(patient, patient.today())
    Outreach.objects.create(
        patient=other, team=team, by=member, by_name="Dr Reyes", at=timezone.now(),
        how="phone", outcome="spoke",
    )  # fmt: skip
    assert "called you" not in card_status(client, patient)


# --- Resting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("calm_days", "rests"), [(6, False), (7, True)])
def test_it_rests_after_seven_calm_days_and_not_one_fewer(calm_days, rests):
    patient = UserFactory()
    start = patient.today() - dt.timedelta(days=20)
    say_yes(patient, start)
    for n in range(1, calm_days + 1):
        calm(patient, start + dt.timedelta(days=n))

    rested = urgent_signals_rest(patient_id=patient.pk, today=patient.today())

    card = Signal.objects.get(patient=patient)
    assert bool(rested) is rests
    assert (card.resolved_at is not None) is rests
    assert card.resolution == ("calm" if rests else "")


def test_days_without_a_check_in_are_not_calm_days():
    patient = UserFactory()
    start = patient.today() - dt.timedelta(days=30)
    say_yes(patient, start)
    for n in (3, 9, 15):  # three check-ins over a month of silence
        calm(patient, start + dt.timedelta(days=n))
    urgent_signals_rest(patient_id=patient.pk, today=patient.today())
    assert Signal.objects.get(patient=patient).resolved_at is None


def test_a_yes_among_the_calm_days_starts_the_count_again(settings):
    settings.SIGNAL_CALM_DAYS = 3
    patient = UserFactory()
    start = patient.today() - dt.timedelta(days=10)
    say_yes(patient, start)
    calm(patient, start + dt.timedelta(days=1))
    calm(patient, start + dt.timedelta(days=2))
    say_yes(patient, start + dt.timedelta(days=3))
    calm(patient, start + dt.timedelta(days=4))
    calm(patient, start + dt.timedelta(days=5))

    urgent_signals_rest(patient_id=patient.pk, today=start + dt.timedelta(days=5))
    assert Signal.objects.get(patient=patient).resolved_at is None
    calm(patient, start + dt.timedelta(days=6))
    signals_evaluate(patient_id=patient.pk, today=start + dt.timedelta(days=6))
    assert Signal.objects.get(patient=patient).resolution == "calm"


def test_calm_days_on_a_check_in_let_the_card_rest_through_the_save_path(
    post_checkin, patient, tasks_run_here, settings, django_capture_on_commit_callbacks
):
    # Yesterday's "yes" is still about now (an urgent card); a yes for an earlier day, filled
    # in today, is a past day's report with calm days of its own (test_past_day_self_harm.py).
    settings.SIGNAL_CALM_DAYS = 1
    today = patient.today()
    with django_capture_on_commit_callbacks(execute=True):
        post_checkin(day=today - dt.timedelta(days=1), mood="2", self_harm_thoughts="yes")
    assert Signal.objects.get(patient=patient).resolved_at is None
    with django_capture_on_commit_callbacks(execute=True):
        post_checkin(mood="6")
    assert Signal.objects.get(patient=patient).resolution == "calm"


def test_i_am_safe_now_rests_the_patient_s_cards_and_keeps_them_in_the_history(client):
    patient, other = UserFactory(), UserFactory()
    for person in (patient, other):
        say_yes(person, person.today())
        urgent_signal_record(
            patient=person, kind="urgent_item9", dedupe_key=f"q{person.pk}",
            started_on=person.today(), answer=1,
        )  # fmt: skip
    client.force_login(patient)

    response = client.post(reverse("safe_now"), {"next": "trends"})

    assert response.status_code == 302
    assert response["Location"] == reverse("trends")
    assert set(Signal.objects.filter(patient=patient).values_list("resolution", flat=True)) == {
        "safe_now"
    }
    assert not Signal.objects.filter(patient=other, resolved_at__isnull=False).exists()
    assert "I'm safe now" not in client.get(reverse("home")).content.decode()
    trends = client.get(reverse("trends")).content.decode()
    assert "Earlier warnings (2)" in trends
    assert "after you told us you were safe" in trends


def test_a_new_yes_after_a_card_rested_opens_a_new_card():
    patient = UserFactory()
    today = patient.today()
    say_yes(patient, today - dt.timedelta(days=3))
    Signal.objects.filter(patient=patient).update(resolved_at=timezone.now(), resolution="safe_now")
    say_yes(patient, today - dt.timedelta(days=3))  # the same day saved again: nothing new
    assert Signal.objects.filter(patient=patient).count() == 1

    say_yes(patient, today)

    cards = list(Signal.objects.filter(patient=patient).order_by("detected_at"))
    assert [c.resolved_at is None for c in cards] == [False, True]
    assert cards[1].reports == 1


def test_safe_now_needs_a_post_and_a_patient(client, clinician):
    client.force_login(clinician)
    assert client.post(reverse("safe_now")).status_code == 404
    client.logout()
    assert client.post(reverse("safe_now")).status_code == 302  # to sign in


# --- Races -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_first_reports_at_the_same_moment_make_one_card_with_both():
    require_postgres()
    patient = UserFactory()
    today = patient.today()
    barrier = threading.Barrier(2)
    outcomes = []

    def report(day):
        try:
            barrier.wait()
            urgent_signal_record(
                patient=patient, kind="urgent_checkin", dedupe_key=day.isoformat(), started_on=day
            )
            outcomes.append("ok")
        except Exception as exc:  # recorded, asserted below
            outcomes.append(repr(exc))
        finally:
            connection.close()

    days = [today, today - dt.timedelta(days=1)]
    threads = [threading.Thread(target=report, args=(day,)) for day in days]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert outcomes == ["ok", "ok"]
    card = Signal.objects.get(patient=patient)
    assert card.reports == 2
    assert sorted(card.details["days"]) == sorted(d.isoformat() for d in days)
    assert not CheckIn.objects.exists()  # reports alone, as the save path records them
