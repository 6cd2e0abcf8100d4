import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from careteam.access import grant_for
from careteam.models import AccessEvent
from journal.access import Scope
from journal.charts.page import RANGES, trends_context
from journal.models import Signal, WeeklySummary
from journal.signals import signals_evaluate
from journal.weekly import week_start, weekly_summaries_rebuild, weekly_summary_refresh
from tests.factories import (
    CheckInFactory,
    MembershipFactory,
    QuestionnaireResponseFactory,
    ShareFactory,
    SignalFactory,
    TreatmentSessionFactory,
    UserFactory,
    daily_history,
)
from tests.journal.trend_histories import rich_history, steady_then_slide

pytestmark = pytest.mark.django_db


def figures(response):
    """The chart figures on a page, read back from their json_script blocks."""
    html = response.content.decode()
    blocks = re.findall(
        r'<script id="(chart-[\w-]+-data)" type="application/json">(.*?)</script>', html, re.S
    )
    return {key: json.loads(body) for key, body in blocks}


def test_it_asks_visitors_to_sign_in(client):
    response = client.get("/trends/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_care_team_member_has_no_own_trends_page(client, clinician):
    client.force_login(clinician)
    assert client.get("/trends/").status_code == 404


def test_a_new_patient_sees_a_kind_empty_page(patient_client):
    response = patient_client.get("/trends/")
    assert response.status_code == 200
    assert "No check-ins in this range yet" in response.content.decode()
    assert figures(response) == {}


@pytest.mark.parametrize(
    ("range_key", "intro"),
    [
        ("30d", "How the last 30 days have gone."),
        ("90d", "How the last 90 days have gone."),
        ("1y", "How the last year has gone."),
        ("all", "How things have gone since you started."),
    ],
)
def test_each_range_is_introduced_in_plain_words(patient_client, range_key, intro):
    assert intro in patient_client.get(f"/trends/?range={range_key}").content.decode()


@pytest.mark.parametrize("range_key", list(RANGES))
def test_every_range_draws_every_chart_with_a_table(patient_client, patient, range_key):
    rich_history(patient, days=400)

    response = patient_client.get(f"/trends/?range={range_key}")

    assert response.status_code == 200
    html = response.content.decode()
    shown = figures(response)
    assert set(shown) == {
        "chart-mood-data",
        "chart-weekly-mood-data",
        "chart-sleep-data",
        "chart-other-areas-data",
        "chart-phq9-data",
        "chart-gad7-data",
        "chart-what-helps-data",
    }
    assert html.count("<details>") == 7
    assert html.count("<caption>") == 8  # and the per-course table, open beside the charts
    assert "Treatment courses, latest first" in html
    assert f'href="?range={range_key}" aria-current="true"' in html
    assert '<a href="/trends/" aria-current="page">Trends</a>' in html


def test_short_ranges_plot_days_and_long_ranges_plot_stored_weeks(patient_client, patient):
    rich_history(patient, days=400)
    weeks_in_year = WeeklySummary.objects.filter(
        patient=patient, week_start__gte=patient.today() - dt.timedelta(days=364 + 6)
    ).count()

    month = figures(patient_client.get("/trends/?range=30d"))["chart-mood-data"]
    year = figures(patient_client.get("/trends/?range=1y"))["chart-mood-data"]

    assert len(month["data"][0]["x"]) == 30  # one point a day
    assert month["data"][1]["name"] == "Mood, 7-day average"
    assert year["data"][0]["name"] == "Mood, weekly average"
    assert len(year["data"][0]["x"]) == weeks_in_year


def test_treatment_sessions_are_marked_on_every_time_chart(patient_client, patient):
    rich_history(patient, days=200)
    shown = figures(patient_client.get("/trends/?range=all"))
    for key in ("mood", "weekly-mood", "sleep", "phq9", "gad7"):
        names = [trace["name"] for trace in shown[f"chart-{key}-data"]["data"]]
        assert "Treatment session" in names, key


def test_phq9_chart_shades_the_five_severity_bands_and_marks_response(patient_client, patient):
    rich_history(patient, days=400)  # PHQ-9 falls from 19 to 2 across treatment

    response = patient_client.get("/trends/?range=all")
    phq9 = figures(response)["chart-phq9-data"]
    gad7 = figures(response)["chart-gad7-data"]

    bands = [s for s in phq9["layout"]["shapes"] if s["type"] == "rect" and s["yref"] == "y"]
    assert [(b["y0"], b["y1"]) for b in bands] == [
        (0, 4.5),
        (4.5, 9.5),
        (9.5, 14.5),
        (14.5, 19.5),
        (19.5, 27.5),
    ]
    assert len([s for s in gad7["layout"]["shapes"] if s["yref"] == "y"]) == 4
    # Treatment courses are shaded top to bottom (paper), behind the bands' data.
    courses = [s for s in phq9["layout"]["shapes"] if s["yref"] == "paper"]
    assert courses and all(s["layer"] == "below" for s in courses)
    names = [t["name"] for t in phq9["data"]]
    assert "Course baseline" in names and "Response line (half the baseline)" in names
    assert "Response (50% lower than when treatment began)" in names
    assert "Remission (under 5)" in names
    assert "response, remission" in response.content.decode()


def test_what_helps_compares_days_and_is_honest_about_small_numbers(patient_client, patient):
    rich_history(patient, days=60, rare_name="Choir")

    response = patient_client.get("/trends/?range=90d")

    helps = figures(response)["chart-what-helps-data"]
    assert helps["data"][0]["y"] == ["Time outdoors"]  # the rare tag is not charted
    assert helps["data"][0]["x"] == [7.0] and helps["data"][1]["x"] == [5.0]
    assert helps["data"][0]["text"] == ["20 days"] and helps["data"][1]["text"] == ["40 days"]
    html = response.content.decode()
    assert "2.0 higher with it" in html
    assert re.search(r"Choir</th><td>2</td>.*?Not enough days to tell yet", html, re.S)


def test_typed_text_cannot_become_script_on_the_page(patient_client, patient):
    evil = "</script><script>alert(1)</script>"
    rich_history(patient, days=30, activity_name=evil, end=patient.today() - dt.timedelta(days=1))
    CheckInFactory(patient=patient, day=patient.today(), mood=5, note=f"<script>{evil}")

    response = patient_client.get("/trends/?range=30d")

    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert html.count("<script") == html.count("</script>")
    helps = figures(response)["chart-what-helps-data"]
    # Intact as data, inert as markup: escaped for plotly.js, which shows it as typed.
    assert helps["data"][0]["y"] == ["&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"]
    assert "<script><script>" not in html  # notes are not part of trends at all


def test_an_active_signal_explains_itself_with_next_steps(patient_client, patient):
    steady_then_slide(patient, end=patient.today())
    signals_evaluate(patient_id=patient.pk)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=120)
    SignalFactory(
        patient=patient,
        kind="sustained_slide",
        detected_at=long_ago,
        resolved_at=long_ago,
        details={"low_days": 9, "areas": ["energy", "interest"]},
    )

    html = patient_client.get("/trends/").content.decode()

    assert "Worth noticing" in html
    assert "Your mood has been lower than your usual for 14 of the last 14 days" in html
    assert "Look at your safety plan" in html
    assert 'href="/help/"' in html
    assert "for 9 of the last 14 days" not in html  # rested long ago: not even in the history
    assert Signal.objects.filter(patient=patient, resolved_at__isnull=True).count() == 1


@pytest.mark.parametrize("range_key", list(RANGES))
def test_the_page_takes_the_same_few_queries_for_a_month_or_three_years(client, range_key):
    short, long = UserFactory(), UserFactory()
    rich_history(short, days=30)
    rich_history(long, days=1100)
    counts = []
    for patient in (short, long):
        client.force_login(patient)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/trends/?range={range_key}")
        assert response.status_code == 200
        assert figures(response)
        # SAVEPOINT / RELEASE wrap the session save (a fresh session's first request refreshes
        # its expiry) only because the test runs inside a transaction; in production that
        # save is the single UPDATE counted here. The charts are built: nothing is cached yet.
        counts.append(
            len([q for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))])
        )
    # Two more than before courses: each course with its sessions counted, and the medication
    # starts, changes and stops (one query each, whatever the history).
    assert counts[0] == counts[1] <= 12, counts


def test_a_clinician_with_a_trends_share_gets_the_same_context_and_the_look_is_logged(
    patient, clinician
):
    rich_history(patient, days=60)
    share = ShareFactory(patient=patient)
    MembershipFactory(team=share.team, user=clinician)

    grant = grant_for(clinician, patient.public_id, need=Scope.TRENDS, what="trends")
    context = trends_context(grant, "30d")

    assert [c.key for c in context["charts"]][:2] == ["mood", "weekly-mood"]
    assert AccessEvent.objects.filter(viewer=clinician, patient=patient, allowed=True).exists()


def test_an_unknown_range_falls_back_to_ninety_days(patient_client, patient):
    rich_history(patient, days=120)
    html = patient_client.get("/trends/?range=forever").content.decode()
    assert 'href="?range=90d" aria-current="true"' in html


def test_what_helps_over_years_reads_the_stored_weekly_counts(patient_client, patient):
    rich_history(patient, days=400)
    assert WeeklySummary.objects.filter(patient=patient).exclude(activities={}).exists()

    helps = figures(patient_client.get("/trends/?range=all"))["chart-what-helps-data"]

    assert helps["data"][0]["y"] == ["Time outdoors"]
    assert helps["data"][0]["text"] == ["134 days"] and helps["data"][1]["text"] == ["266 days"]
    assert helps["data"][0]["x"] == [7.0] and helps["data"][1]["x"] == [5.0]


def test_a_tag_added_to_an_old_check_in_shows_at_once_on_the_long_range_page(
    patient_client, patient
):
    from journal.models import Activity, CheckIn

    rich_history(patient, days=400)

    def outdoors_days():
        helps = figures(patient_client.get("/trends/?range=all"))["chart-what-helps-data"]
        return helps["data"][0]["text"]

    assert outdoors_days() == ["134 days"]
    outdoors = Activity.objects.get(owner=None, name="Time outdoors")
    untagged = CheckIn.objects.filter(patient=patient).exclude(activities=outdoors).first()
    untagged.tags_add(outdoors)  # as an edit does; the save then refreshes its week
    weekly_summary_refresh(patient_id=patient.pk, day=untagged.day)

    assert outdoors_days() == ["135 days"]


@pytest.mark.parametrize("range_key", ["90d", "all"])
def test_a_tag_an_admin_renames_or_removes_shows_at_once_on_a_page_seen_before(
    patient_client, patient, range_key
):
    from journal.models import Activity

    rich_history(patient, days=400)

    def charted():
        helps = figures(patient_client.get(f"/trends/?range={range_key}"))
        if "chart-what-helps-data" not in helps:
            return []  # no tags to chart: the page says so in words instead
        return helps["chart-what-helps-data"]["data"][0]["y"]

    assert charted() == ["Time outdoors"]  # built, then cached
    outdoors = Activity.objects.get(owner=None, name="Time outdoors")
    outdoors.name = "Outdoors"
    outdoors.save()  # as the admin's change form does
    assert charted() == ["Outdoors"]

    outdoors.delete()  # the admin's delete takes the tag off every check-in
    assert charted() == []


def _mood_on(shown, day):
    trace = shown["chart-mood-data"]["data"][0]
    return dict(zip(trace["x"], trace["y"], strict=True)).get(day.isoformat())


def test_a_second_look_at_an_unchanged_history_is_served_from_the_cache(patient_client, patient):
    rich_history(patient, days=400)
    for range_key in RANGES:
        with CaptureQueriesContext(connection) as first:
            built = figures(patient_client.get(f"/trends/?range={range_key}"))
        with CaptureQueriesContext(connection) as second:
            cached = figures(patient_client.get(f"/trends/?range={range_key}"))

        assert cached == built
        assert len(second) < len(first), range_key


def test_an_edited_or_deleted_check_in_shows_at_once_on_a_page_seen_before(patient_client, patient):
    from journal.models import CheckIn

    rich_history(patient, days=30)
    today = patient.today()
    before = figures(patient_client.get("/trends/?range=30d"))
    checkin = CheckIn.objects.get(patient=patient, day=today)
    new_mood = 0 if checkin.mood else 9
    assert _mood_on(before, today) == checkin.mood

    checkin.mood = new_mood  # as journal.services does it: a new version, saved
    checkin.version += 1
    checkin.save()
    assert _mood_on(figures(patient_client.get("/trends/?range=30d")), today) == new_mood

    checkin.delete()
    assert _mood_on(figures(patient_client.get("/trends/?range=30d")), today) is None


def test_a_recomputed_week_shows_at_once_on_the_long_range_page(patient_client, patient):
    from journal.models import CheckIn

    rich_history(patient, days=400)
    today = patient.today()
    this_week = week_start(today).isoformat()

    def weekly_means():
        trace = figures(patient_client.get("/trends/?range=all"))["chart-weekly-mood-data"]
        means = next(t for t in trace["data"] if t["name"] == "Weekly average")
        return dict(zip(means["x"], means["y"], strict=True))

    before = weekly_means()[this_week]
    CheckIn.objects.filter(patient=patient, day__gte=week_start(today)).update(mood=0)
    weekly_summary_refresh(patient_id=patient.pk, day=today)

    assert before > 0
    assert weekly_means()[this_week] == 0


def test_two_patients_each_see_only_their_own_charts(client):
    calm, low = UserFactory(), UserFactory()
    steady_then_slide(calm, days=30, slide_days=0, end=calm.today())
    steady_then_slide(low, days=30, slide_days=30, end=low.today())
    seen = {}
    for who in (calm, low, calm):
        client.force_login(who)
        seen.setdefault(who.pk, []).append(
            _mood_on(figures(client.get("/trends/?range=30d")), who.today())
        )
    assert seen == {calm.pk: [7, 7], low.pk: [3]}


def test_other_areas_draws_each_rated_measure_week_by_week_and_leaves_out_the_unrated(
    patient_client, patient
):
    """Every 0-10 measure of the registry besides mood and energy gets a line: a patient who
    rates interest and anxiety sees those two, with each week's average, and nothing for
    connection they never rated. Another patient's ratings never reach it."""
    other = UserFactory()
    today = patient.today()
    daily_history(patient, days=14, end=today, interest=lambda i: 3, anxiety=lambda i: 8)
    daily_history(other, days=14, end=today, interest=lambda i: 9, connection=lambda i: 9)
    weekly_summaries_rebuild(patient_ids=[patient.pk, other.pk])

    fig = figures(patient_client.get("/trends/?range=30d"))["chart-other-areas-data"]

    lines = {t["name"]: t["y"] for t in fig["data"] if t["name"] != "Treatment session"}
    assert set(lines) == {"Interest in things", "Anxiety"}
    assert set(lines["Interest in things"]) == {3.0}
    assert set(lines["Anxiety"]) == {8.0}
    html = patient_client.get("/trends/?range=30d").content.decode()
    assert "For anxiety, lower is better." in html


def test_other_areas_says_how_to_fill_it_when_nothing_is_rated(patient_client, patient):
    daily_history(patient, days=10, end=patient.today())  # mood only
    weekly_summaries_rebuild(patient_ids=[patient.pk])

    response = patient_client.get("/trends/?range=30d")

    assert "chart-other-areas-data" not in figures(response)
    assert "you can rate interest, anxiety, connection and more" in response.content.decode()


def phq9_table(response) -> str:
    html = response.content.decode()
    start = html.index('id="chart-phq9-title"')
    return html[start : html.index("</section>", start)]


def test_the_phq9_chart_measures_response_from_the_score_before_treatment(patient, client):
    """Issue 17's example: 20 before the first infusion, 12 after it, a later 8 is a 60%
    response (it was measured from the 12 before the fix)."""
    today = patient.today()
    first = today - dt.timedelta(days=30)
    zone = patient.zoneinfo
    TreatmentSessionFactory(
        patient=patient,
        day=first,
        started_at=dt.datetime.combine(first, dt.time(10), tzinfo=zone),
    )
    for offset, answers in ((-2, [3, 3, 2, 2, 2, 2, 2, 2, 2]), (1, [2] * 6), (14, [1] * 8)):
        day = first + dt.timedelta(days=offset)
        QuestionnaireResponseFactory(
            patient=patient,
            answers=[*answers, *[0] * (9 - len(answers))],
            day=day,
            submitted_at=dt.datetime.combine(day, dt.time(9), tzinfo=zone),
        )
    client.force_login(patient)
    table = phq9_table(client.get("/trends/?range=90d"))
    assert "the last one before the course" in table
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", table, re.S)
    marked = {day: cells for day, cells in rows}
    assert "response" in marked[(first + dt.timedelta(days=14)).isoformat()]
    assert "response" not in marked[(first + dt.timedelta(days=1)).isoformat()]


def test_with_no_score_before_treatment_the_chart_says_so_in_words(patient, client):
    today = patient.today()
    first = today - dt.timedelta(days=30)
    TreatmentSessionFactory(
        patient=patient,
        day=first,
        started_at=dt.datetime.combine(first, dt.time(10), tzinfo=patient.zoneinfo),
    )
    day = first + dt.timedelta(days=2)
    QuestionnaireResponseFactory(
        patient=patient,
        answers=[2] * 7 + [0, 0],
        day=day,
        submitted_at=dt.datetime.combine(day, dt.time(9), tzinfo=patient.zoneinfo),
    )
    client.force_login(patient)
    table = phq9_table(client.get("/trends/?range=90d"))
    assert "There was no PHQ-9 in the 30 days before the course" in table
