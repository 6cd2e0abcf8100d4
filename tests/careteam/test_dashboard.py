import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from careteam.models import AccessEvent, Outreach
from journal.access import Scope
from tests.factories import (
    CareTeamFactory,
    CheckInFactory,
    MembershipFactory,
    QuestionnaireResponseFactory,
    ShareFactory,
    SignalFactory,
    TreatmentSessionFactory,
    UserFactory,
    daily_history,
    scored_questionnaire,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(clinician):
    team = CareTeamFactory()
    MembershipFactory(team=team, user=clinician)
    return team


def shared_patient(team, name, **share):
    patient = UserFactory(display_name=name)
    ShareFactory(patient=patient, team=team, **share)
    return patient


def dashboard(client, clinician):
    client.force_login(clinician)
    response = client.get(reverse("careteam:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def order_of(body, names):
    return sorted(names, key=body.index)


def test_patients_are_sorted_by_who_needs_attention_first(client, clinician, team):
    today = timezone.localdate()
    quiet = shared_patient(team, "Quiet")
    CheckInFactory(patient=quiet, day=today - dt.timedelta(days=1))
    silent = shared_patient(team, "Silent")
    CheckInFactory(patient=silent, day=today - dt.timedelta(days=9))
    rising = shared_patient(team, "Rising")
    SignalFactory(patient=rising, kind="phq9_rise")
    sliding = shared_patient(team, "Sliding")
    SignalFactory(patient=sliding, kind="sustained_slide")
    urgent = shared_patient(team, "Urgent")
    SignalFactory(patient=urgent, kind="urgent_item9")
    # Urgent for longer, and seen by a colleague, but no one has reached out: it waits longest.
    seen = shared_patient(team, "Seen")
    SignalFactory(
        patient=seen,
        kind="urgent_checkin",
        detected_at=timezone.now() - dt.timedelta(hours=2),
        acknowledged_at=timezone.now(),
        acknowledged_by=clinician,
    )
    CheckInFactory(patient=seen, day=today)
    called = shared_patient(team, "Called")  # urgent, and a colleague has called since
    SignalFactory(
        patient=called, kind="urgent_checkin", detected_at=timezone.now() - dt.timedelta(hours=3)
    )
    Outreach.objects.create(
        patient=called,
        team=team,
        by=clinician,
        by_name="Dr Reyes",
        at=timezone.now() - dt.timedelta(minutes=5),
        how="phone",
        outcome="spoke",
    )

    body = dashboard(client, clinician)

    names = ["Quiet", "Silent", "Rising", "Sliding", "Urgent", "Seen", "Called"]
    assert order_of(body, names) == [
        "Seen",
        "Urgent",
        "Called",
        "Sliding",
        "Rising",
        "Silent",
        "Quiet",
    ]
    assert "9 days ago" in body
    assert body.count("No one on your team has reached out yet.") == 2
    assert "Dr Reyes reached out" in body


def test_latest_scores_are_shown_with_their_bands(client, clinician, team):
    patient = shared_patient(team, "Scored")
    QuestionnaireResponseFactory(
        patient=patient,
        answers=[3] * 9,
        submitted_at=timezone.now() - dt.timedelta(days=20),
    )
    QuestionnaireResponseFactory(patient=patient, answers=[2, 2, 2, 2, 2, 1, 1, 0, 0])  # 12
    QuestionnaireResponseFactory(patient=patient, instrument="gad7", answers=[1] * 7)  # 7

    body = dashboard(client, clinician)

    assert '12 <span class="muted">(moderate)</span>' in body
    assert '7 <span class="muted">(mild)</span>' in body
    assert "27 <span" not in body  # the older score is not the latest


def test_trends_columns_are_hidden_when_the_patient_did_not_share_trends(client, clinician, team):
    patient = shared_patient(team, "Private", scope=Scope.NOTES)
    QuestionnaireResponseFactory(patient=patient, answers=[2] * 9)  # 18
    SignalFactory(patient=patient, kind="urgent_item9")
    daily_history(patient, days=10, mood=lambda i: 2)

    body = dashboard(client, clinician)

    assert "Private" in body
    assert "hasn't shared trends with your team" in body
    assert "18 <span" not in body
    assert "<polyline" not in body
    assert "Thoughts of self-harm" not in body


def test_the_sparkline_is_server_drawn_svg_with_no_inline_style(client, clinician, team):
    patient = shared_patient(team, "Drawn")
    daily_history(patient, days=40, end=timezone.localdate(), mood=lambda i: i % 11)

    body = dashboard(client, clinician)

    points = re.search(r'<polyline points="([^"]+)"', body).group(1).split()
    assert len(points) == 30  # the last 30 days only
    assert 'aria-label="Mood on 30 of the last 30 days"' in body
    assert "style=" not in body


def test_a_single_day_still_shows_on_the_sparkline_as_a_dot(client, clinician, team):
    patient = shared_patient(team, "Newcomer")
    daily_history(patient, days=1, end=timezone.localdate(), mood=lambda i: 10)

    body = dashboard(client, clinician)

    (point,) = re.search(r'<polyline points="([^"]+)"', body).group(1).split()
    x, y = point.split(",")
    assert f'<circle cx="{x}" cy="{y}" r="2.5"' in body
    assert y == "2.0"  # mood 10 sits at the top


def test_revoked_unshared_and_expired_patients_are_not_listed(client, clinician, team):
    shared_patient(team, "Revoked", revoked_at=timezone.now())
    shared_patient(team, "Expired", expires_on=timezone.localdate() - dt.timedelta(days=1))
    UserFactory(display_name="Stranger")
    other_team = CareTeamFactory()
    shared_patient(other_team, "Elsewhere")
    shared_patient(team, "Current")

    body = dashboard(client, clinician)

    assert "Current" in body
    for name in ("Revoked", "Expired", "Stranger", "Elsewhere"):
        assert name not in body


def test_a_patient_sharing_with_two_of_my_teams_is_listed_once(client, clinician, team):
    second = CareTeamFactory(name="Second Team")
    MembershipFactory(team=second, user=clinician)
    patient = shared_patient(team, "Twice")
    ShareFactory(patient=patient, team=second)

    body = dashboard(client, clinician)

    assert body.count(">Twice</a>") == 1
    assert "Second Team" in body


def test_the_dashboard_look_is_logged_for_each_patient_whose_summary_it_shows(
    client, clinician, team
):
    shown = shared_patient(team, "Shown")
    hidden = shared_patient(team, "NameOnly", scope=Scope.NOTES)

    dashboard(client, clinician)

    assert (
        AccessEvent.objects.filter(patient=shown, viewer=clinician, what="dashboard").count() == 1
    )
    assert not AccessEvent.objects.filter(patient=hidden).exists()


def _seed_many(team, n: int):
    """n shared patients, each with 30 days of moods, two questionnaires and a signal."""
    from journal.models import CheckIn, Course, QuestionnaireResponse, Signal, TreatmentSession

    patients = User.objects.bulk_create(
        [User(email=f"bulk{team.pk}-{i}@example.test", display_name=f"P{i}") for i in range(n)]
    )
    ShareFactory._meta.model.objects.bulk_create(
        [ShareFactory._meta.model(patient=p, team=team) for p in patients]
    )
    today = timezone.localdate()
    CheckIn.objects.bulk_create(
        [
            CheckIn(patient=p, day=today - dt.timedelta(days=d), mood=(d + i) % 11)
            for i, p in enumerate(patients)
            for d in range(30)
        ],
        batch_size=2000,
    )
    now = timezone.now()
    QuestionnaireResponse.objects.bulk_create(
        [
            QuestionnaireResponse(
                patient=p,
                instrument=instrument,
                answers=[1] * size,
                total=size,
                band="",
                item9=1 if instrument == "phq9" else None,
                day=today,
                submitted_at=now,
            )
            for p in patients
            for instrument, size in (("phq9", 9), ("gad7", 7))
        ],
        batch_size=2000,
    )
    # A course each, from three sessions, with a PHQ-9 of 20 before it: every dashboard row
    # and every caseload figure has numbers to compute.
    first = today - dt.timedelta(days=20)
    courses = Course.objects.bulk_create(
        [Course(patient=p, kind="induction", started_on=first) for p in patients]
    )
    TreatmentSession.objects.bulk_create(
        [
            TreatmentSession(
                patient=c.patient,
                course=c,
                day=first + dt.timedelta(days=d),
                started_at=dt.datetime.combine(
                    first + dt.timedelta(days=d), dt.time(10), tzinfo=dt.UTC
                ),
                kind="iv",
            )
            for c in courses
            for d in (0, 3, 7)
        ],
        batch_size=2000,
    )
    QuestionnaireResponse.objects.bulk_create(
        [
            QuestionnaireResponse(
                patient=p,
                instrument="phq9",
                answers=[3, 3, 2, 2, 2, 2, 2, 2, 2],
                total=20,
                band="",
                item9=2,
                day=first - dt.timedelta(days=1),
                submitted_at=dt.datetime.combine(
                    first - dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC
                ),
            )
            for p in patients
        ],
        batch_size=2000,
    )
    Signal.objects.bulk_create(
        [
            Signal(
                patient=p,
                kind="sustained_slide" if i % 2 else "urgent_item9",
                dedupe_key=f"bulk-{i}",
                started_on=today,
                detected_at=now,
                last_reported_at=now,
            )
            for i, p in enumerate(patients)
        ]
    )


@pytest.mark.parametrize("n", [5, 500])
def test_the_dashboard_costs_the_same_queries_for_5_or_500_patients(
    client, clinician, team, django_assert_max_num_queries, n
):
    _seed_many(team, n)
    client.force_login(clinician)

    # 16: one is the check that a care-team account has its second factor (accounts/two_factor),
    # one logs the looks at how to reach patients who share it (one INSERT ... SELECT), two
    # read the urgent flags and the outreach that answered them (half the patients here have
    # an urgent card: careteam/outreach.urgent_flags), and two the courses and the PHQ-9
    # totals their numbers come from (journal/course_outcomes.py).
    with django_assert_max_num_queries(16):
        response = client.get(reverse("careteam:dashboard"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<polyline") == n
    assert html.count("PHQ-9 20 → 9") == n  # baseline before the course, then the latest
    assert AccessEvent.objects.filter(viewer=clinician, what="dashboard").count() == n


@pytest.mark.parametrize("n", [5, 500])
def test_the_caseload_figures_cost_the_same_queries_for_5_or_500_patients(
    client, clinician, team, django_assert_max_num_queries, n
):
    _seed_many(team, n)
    client.force_login(clinician)

    # The same 10 for 5 patients or 500: four for the figures (the patients with their last
    # check-in, their courses, their PHQ-9 totals: careteam/caseload.py) and one INSERT ...
    # SELECT logging a look at each; the rest is the session, the user and the second-factor
    # check every care-team page makes.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("careteam:caseload"))

    assert response.status_code == 200
    html = response.content.decode()
    assert f"<strong>{n}</strong> of {n} patients have an open treatment course" in html
    # 20 -> 9 is a 55% drop: response, not remission.
    assert re.search(rf"<th scope=\"row\">Induction</th><td>{n}</td>\s*<td>{n} \(100%\)", html)
    assert "median <strong>-11 points</strong>" in html
    assert AccessEvent.objects.filter(viewer=clinician, what="caseload").count() == n


def test_the_caseload_figures_link_to_the_patients_behind_them_and_no_one_else(
    client, clinician, team
):
    today = timezone.localdate()
    quiet = shared_patient(team, "Quiet")
    CheckInFactory(patient=quiet, day=quiet.today() - dt.timedelta(days=14))
    recent = shared_patient(team, "Recent")
    CheckInFactory(patient=recent, day=recent.today() - dt.timedelta(days=13))
    notes_only = shared_patient(team, "Notes only", scope=Scope.NOTES)
    CheckInFactory(patient=notes_only, day=today - dt.timedelta(days=30))
    stranger = UserFactory(display_name="Stranger")
    CheckInFactory(patient=stranger, day=today - dt.timedelta(days=30))
    client.force_login(clinician)

    html = client.get(reverse("careteam:caseload")).content.decode()

    stopped = html[html.index('id="stopped-title"') :]
    assert "<strong>1</strong> patient last checked in 14 or more days ago" in stopped
    assert f'href="/care/patients/{quiet.public_id}/"' in stopped
    assert str(recent.public_id) not in stopped  # 13 days: not yet
    assert "Notes only" not in html and "Stranger" not in html
    assert not AccessEvent.objects.filter(patient__in=[notes_only, stranger]).exists()


def test_the_dashboard_shows_the_course_and_the_durability_cue_in_the_teams_words(
    client, clinician, team
):
    patient = shared_patient(team, "Rising")
    today = patient.today()
    first = today - dt.timedelta(days=60)
    TreatmentSessionFactory(
        patient=patient,
        day=first,
        started_at=dt.datetime.combine(first, dt.time(10), tzinfo=dt.UTC),
    )
    for offset, total in ((-1, 20), (14, 6), (28, 8), (40, 12)):
        scored_questionnaire(patient, "phq9", total, first + dt.timedelta(days=offset))

    html = dashboard(client, clinician)

    assert "Induction" in html and "1 done" in html
    assert "PHQ-9 20 → 12" in html
    assert "PHQ-9 has risen for 3 weeks toward the course baseline" in html
    assert "Scores rising toward the course baseline" in html


def test_the_dashboard_shows_the_last_after_effects_within_the_trends_scope(
    client, clinician, team
):
    from journal.models import SessionCheck

    shared = shared_patient(team, "Shared")
    notes_only = shared_patient(team, "Notes only", scope=Scope.NOTES)
    for patient in (shared, notes_only):
        session = TreatmentSessionFactory(patient=patient)
        SessionCheck.objects.create(
            session=session, patient=patient, moment="evening", felt=6, effects={"nausea": 2}
        )

    html = dashboard(client, clinician)

    assert html.count("Feeling sick: moderate") == 1  # the trends share only
