"""The appointment report: its range, what it says (from the database), its charts as static
SVG, its rules at their edges, and sharing it with a care team within its scope."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from careteam.models import AccessEvent
from journal.access import Scope
from journal.courses import Span
from journal.models import Activity, AppointmentReport
from journal.report import svg
from journal.report.build import Score, default_range, phq9_outcome, report_for
from journal.report.services import report_save
from tests.factories import (
    CheckInFactory,
    MembershipFactory,
    ShareFactory,
    SignalFactory,
    TreatmentSessionFactory,
    scored_questionnaire,
)

pytestmark = pytest.mark.django_db


def a_month(patient, *, days=30, note="MARKER-NOTE-private"):
    """`days` check-ins ending today: mood cycles 2..8, walks on every third day."""
    today = patient.today()
    walk = Activity.objects.get(owner=None, name="Movement")
    for n in range(days):
        c = CheckInFactory(
            patient=patient,
            day=today - dt.timedelta(days=n),
            mood=2 + n % 7,
            sleep_hours=Decimal("7.0"),
            note=note,
        )
        if n % 3 == 0:
            c.tags_add(walk)
    return today


def test_the_default_range_is_since_the_last_report_or_thirty_days(patient):
    today = patient.today()
    assert default_range(patient, None) == (today - dt.timedelta(days=29), today)
    last = today - dt.timedelta(days=10)
    assert default_range(patient, last) == (last + dt.timedelta(days=1), today)
    assert default_range(patient, today) == (today - dt.timedelta(days=29), today)


def test_the_preview_says_what_the_database_holds(patient_client, patient, other_patient):
    today = a_month(patient)
    a_month(other_patient, note="theirs")
    scored_questionnaire(patient, "phq9", 18, today - dt.timedelta(days=25))
    scored_questionnaire(patient, "phq9", 8, today - dt.timedelta(days=2))
    scored_questionnaire(patient, "gad7", 11, today - dt.timedelta(days=2))
    TreatmentSessionFactory(
        patient=patient,
        started_at=dt.datetime.combine(today - dt.timedelta(days=20), dt.time(10), dt.UTC),
        day=today - dt.timedelta(days=20),
        dose="0.5 mg/kg",
    )
    SignalFactory(
        patient=patient,
        kind="sustained_slide",
        started_on=today - dt.timedelta(days=5),
        details={"low_days": 9, "areas": ["energy", "sleep_hours"]},
    )

    page = patient_client.get(reverse("reports")).content.decode()

    moods = [2 + n % 7 for n in range(30)]
    assert 'data-report="days-logged">30<' in page
    assert f'data-report="mood-mean">{sum(moods) / 30:.1f}<' in page
    assert 'data-report="phq9-latest">8<' in page
    assert "PHQ-9 before treatment (baseline): <strong>18</strong>" in page
    assert "56% lower" in page and "A response (50% or more lower)" in page
    assert "Latest GAD-7: <strong>11</strong>, moderate" in page
    assert "IV infusion, 0.5 mg/kg" in page
    # The warning in the patient's own words, never the team's.
    assert "lower than your usual for 9 of the last 14 days" in page
    assert "reach out to the patient" not in page
    assert page.count('<svg class="report-chart"') == 3  # weekly mood, PHQ-9, GAD-7
    assert "MARKER-NOTE-private" not in page and "theirs" not in page
    assert not AppointmentReport.objects.exists()  # a preview saves nothing


def test_saving_keeps_the_range_and_the_words_and_the_page_prints_them(patient_client, patient):
    today = a_month(patient)
    start = (today - dt.timedelta(days=13)).isoformat()

    response = patient_client.post(
        reverse("reports"),
        {"start": start, "end": today.isoformat(), "talk_about": "Sleeping again.", "shared": ""},
    )

    report = AppointmentReport.objects.get(patient=patient)
    assert response["Location"] == reverse("report", kwargs={"report": report.public_id})
    assert (report.start.isoformat(), report.end, report.shared) == (start, today, False)
    page = patient_client.get(response["Location"])
    body = page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert "Sleeping again." in body and 'data-report="days-logged">14<' in body
    assert (
        "report.css" in body
        and "<script" not in body.split('class="report"')[1].split("</article>")[0]
    )
    # Next time the range starts the day after this one ended.
    again = patient_client.get(reverse("reports")).content.decode()
    assert f'value="{today.isoformat()}"' in again


@pytest.mark.parametrize(
    ("start_days_ago", "end_days_ago", "message"),
    [
        (5, -1, "The report can end today at the latest."),
        (3, 5, "The first day comes before the last one."),
        (366, 0, "A report covers at most 366 days"),
    ],
)
def test_a_range_outside_the_rules_is_refused_kindly(
    patient_client, patient, start_days_ago, end_days_ago, message
):
    today = patient.today()
    data = {
        "start": (today - dt.timedelta(days=start_days_ago)).isoformat(),
        "end": (today - dt.timedelta(days=end_days_ago)).isoformat(),
    }

    shown = patient_client.get(reverse("reports"), data)
    saved = patient_client.post(reverse("reports"), {**data, "talk_about": ""})

    assert message in shown.content.decode() and message in saved.content.decode()
    assert not AppointmentReport.objects.exists()


def test_a_year_is_allowed_and_costs_the_queries_a_week_does(
    patient, django_assert_max_num_queries
):
    today = a_month(patient, days=365)
    with django_assert_max_num_queries(5):
        week = report_for(patient, today - dt.timedelta(days=6), today)
    with django_assert_max_num_queries(5):
        year = report_for(patient, today - dt.timedelta(days=365), today)
    assert (week.days_logged, year.days_logged) == (7, 365)
    assert len(year.weeks) in (53, 54)


def s(day: dt.date, total: int) -> Score:
    return Score(day, "phq9", "PHQ-9", total, "")


def test_the_baseline_is_the_latest_score_in_the_30_days_up_to_the_first_session():
    """Issue 17's definition: the latest PHQ-9 in the 30 days up to and including the first
    session's day; only when there is none, the first score after it."""
    session = dt.date(2026, 3, 31)

    def day(before: int) -> dt.date:
        return session - dt.timedelta(days=before)

    same_day = phq9_outcome(
        [s(day(40), 22), s(day(0), 20), s(session + dt.timedelta(5), 9)],
        [Span(session)],
        session + dt.timedelta(10),
    )
    assert (same_day.baseline.total, same_day.latest.total) == (20, 9)
    assert same_day.response and not same_day.remission
    thirty = phq9_outcome(
        [s(day(30), 16), s(session + dt.timedelta(5), 8)], [Span(session)], session
    )
    assert thirty.baseline.total == 16
    thirty_one = phq9_outcome(
        [s(day(31), 16), s(session + dt.timedelta(5), 9), s(session + dt.timedelta(9), 4)],
        [Span(session)],
        session + dt.timedelta(10),
    )
    assert thirty_one.baseline.total == 9  # none in the window: the first after
    assert thirty_one.remission and thirty_one.latest.total == 4
    assert "no PHQ-9 in the 30 days before" in thirty_one.baseline_words


@pytest.mark.parametrize(("baseline", "latest", "response"), [(20, 10, True), (20, 11, False)])
def test_response_is_a_drop_of_half_or_more(baseline, latest, response):
    first = dt.date(2026, 3, 1)
    outcome = phq9_outcome(
        [s(first, baseline), s(first + dt.timedelta(30), latest)],
        [Span(first)],
        first + dt.timedelta(30),
    )
    assert outcome.response is response


@pytest.mark.parametrize(("tagged", "shown"), [(4, False), (5, True)])
def test_what_helps_needs_five_days_on_each_side(patient, tagged, shown):
    today = patient.today()
    rest = Activity.objects.get(owner=None, name="Rest")
    for n in range(10):
        c = CheckInFactory(
            patient=patient, day=today - dt.timedelta(days=n), mood=8 if n < tagged else 4
        )
        if n < tagged:
            c.tags_add(rest)

    helps = report_for(patient, today - dt.timedelta(days=9), today).helps

    assert [(h.name, h.days_with, h.mean_with) for h in helps] == (
        [("Rest", tagged, 8.0)] if shown else []
    )


def test_the_charts_are_static_svg_with_every_text_escaped_and_no_inline_style():
    drawn = svg.scores(
        "PHQ-9",
        [(dt.date(2026, 3, 1), 12), (dt.date(2026, 3, 15), 7)],
        ((0, 4, "<b>Minimal</b>"), (5, 27, "Rest & more")),
        27,
        [dt.date(2026, 3, 5)],
        start=dt.date(2026, 3, 1),
        end=dt.date(2026, 3, 30),
    )
    assert drawn.startswith("<svg") and drawn.endswith("</svg>")
    assert "&lt;b&gt;Minimal&lt;/b&gt;" in drawn and "Rest &amp; more" in drawn
    assert "style=" not in drawn and "<script" not in drawn
    assert re.findall(r">(\d+)</text>", drawn)[-2:] == ["12", "7"]
    assert svg.weekly_band([], [], start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 2)) == ""


def test_a_shared_report_is_on_the_teams_patient_page_and_prints_the_same(
    client, patient, clinician
):
    today = a_month(patient)
    share = ShareFactory(patient=patient, scope=Scope.TRENDS)
    MembershipFactory(team=share.team, user=clinician)
    start = today - dt.timedelta(days=29)
    shared = report_save(patient=patient, start=start, end=today, talk_about="Doses.", shared=True)
    private = report_save(patient=patient, start=start, end=today, talk_about="Mine.", shared=False)
    client.force_login(clinician)

    patient_page = client.get(reverse("careteam:patient", kwargs={"public_id": patient.public_id}))
    url = reverse(
        "careteam:patient_report",
        kwargs={"public_id": patient.public_id, "report": shared.public_id},
    )
    assert url in patient_page.content.decode()
    page = client.get(url).content.decode()
    assert "Doses." in page and 'data-report="days-logged">30<' in page
    assert "MARKER-NOTE-private" not in page
    assert AccessEvent.objects.filter(viewer=clinician, what="report", allowed=True).count() == 1

    hidden = reverse(
        "careteam:patient_report",
        kwargs={"public_id": patient.public_id, "report": private.public_id},
    )
    assert client.get(hidden).status_code == 404
    private.shared = True
    private.save()
    share.revoked_at = share.created_at
    share.save()
    assert client.get(hidden).status_code == 404  # sharing stopped: nothing more


def test_the_report_measures_the_course_under_way_at_its_end_from_that_courses_baseline():
    """Two courses: the report at the end of the second measures from the second's baseline."""
    first, second = dt.date(2026, 1, 10), dt.date(2026, 5, 1)
    spans = [Span(first, None, second, None), Span(second)]
    scores = [s(first, 22), s(dt.date(2026, 2, 1), 8), s(dt.date(2026, 4, 28), 18)]
    outcome = phq9_outcome([*scores, s(dt.date(2026, 5, 20), 9)], spans, dt.date(2026, 5, 31))
    assert (outcome.baseline.total, outcome.latest.total) == (18, 9)
    assert outcome.response and outcome.baseline_words == ""
    earlier = phq9_outcome(scores, spans, dt.date(2026, 2, 28))
    assert (earlier.baseline.total, earlier.latest.total) == (22, 8)
