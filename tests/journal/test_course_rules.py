"""The pure course rules (journal/courses.py): baseline, response, remission, durability and
grouping sessions into courses, each at its edges."""

import datetime as dt

import pytest

from journal.courses import (
    Point,
    Span,
    course_baseline,
    course_outcome,
    group_sessions,
    next_course_kind,
    point_outcomes,
    spans_from_first_sessions,
)

FIRST = dt.date(2026, 3, 31)
AT_TEN = dt.datetime(2026, 3, 31, 10, 0, tzinfo=dt.UTC)
SPAN = Span(FIRST, AT_TEN)


def days(n: int) -> dt.date:
    return FIRST + dt.timedelta(days=n)


def at(n: int, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(days(n), dt.time(hour), tzinfo=dt.UTC)


def p(n: int, total: int, hour: int = 9) -> Point:
    return Point(days(n), total, at(n, hour))


def test_the_issue_example_is_a_response_measured_from_before_treatment():
    """Issue 17: 20 before the first infusion, 12 after it, a later 8 is a 60% response."""
    points = [p(-2, 20), p(1, 12), p(14, 8)]
    outcome = course_outcome(points, SPAN)
    assert outcome.baseline.point.total == 20 and outcome.baseline.before_treatment
    assert outcome.response_on == days(14)
    assert outcome.change_percent == -60
    assert point_outcomes(points, [SPAN]) == [(False, False), (False, False), (True, False)]


@pytest.mark.parametrize(("hour", "baseline"), [(9, 18), (11, 21)])
def test_a_score_on_the_first_sessions_day_counts_only_before_the_session(hour, baseline):
    """Same day: a PHQ-9 at 09:00 before a 10:00 session is the baseline; one at 11:00 is not
    (then the latest before it, 21, three days earlier)."""
    points = [p(-3, 21), p(0, 18, hour), p(7, 9)]
    assert course_baseline(points, SPAN).point.total == baseline


def test_without_times_a_score_on_the_sessions_day_counts_as_before():
    points = [Point(days(0), 18), Point(days(7), 9)]
    baseline = course_baseline(points, Span(FIRST))
    assert baseline.point.total == 18 and baseline.before_treatment
    # A score with no time of its own (an import) on the day of a timed session: before too.
    baseline = course_baseline(points, SPAN)
    assert baseline.point.total == 18 and baseline.before_treatment


def test_a_score_at_the_sessions_very_minute_is_not_before_it():
    """ "Before the session's time": a PHQ-9 stamped at the session's own minute is not."""
    points = [p(-3, 21), Point(days(0), 18, AT_TEN), p(7, 9)]
    assert course_baseline(points, SPAN).point.total == 21


def test_no_scores_at_all_leave_a_course_without_a_baseline_in_words():
    assert course_baseline([], SPAN).point is None
    outcome = course_outcome([], SPAN)
    assert outcome.baseline.point is None
    assert outcome.baseline.words == "No PHQ-9 yet to measure this course from."
    only_baseline = course_outcome([p(-1, 20)], SPAN)
    assert only_baseline.baseline.point.total == 20 and only_baseline.latest is None


def test_a_score_after_the_session_on_its_day_is_the_courses_first_result():
    outcome = course_outcome([p(-1, 20), p(0, 9, hour=11)], SPAN)
    assert outcome.latest.total == 9
    assert outcome.response_on == days(0)


def test_a_score_after_the_next_courses_first_session_belongs_to_the_next_course():
    span = Span(FIRST, AT_TEN, days(120), at(120, 10))
    early, late = (course_outcome([p(-1, 20), p(20, 9), p(120, 18, h)], span) for h in (9, 11))
    assert early.latest.total == 18  # 09:00, before the next course's 10:00 session
    assert late.latest.total == 9


@pytest.mark.parametrize(("latest", "holds"), [(4, True), (5, False)])
def test_remission_holds_at_the_latest_score_only_under_five(latest, holds):
    outcome = course_outcome([p(-1, 20), p(7, 3), p(14, latest)], SPAN)
    assert outcome.remission_on == days(7)
    assert outcome.remission_holds is holds


@pytest.mark.parametrize(("before", "found"), [(30, True), (31, False)])
def test_the_baseline_window_is_30_days_up_to_the_first_session(before, found):
    points = [p(-before, 16), p(5, 9), p(9, 4)]
    baseline = course_baseline(points, SPAN)
    assert baseline.before_treatment is found
    assert baseline.point.total == (16 if found else 9)


def test_with_no_score_before_the_first_after_stands_in_and_says_so_in_words():
    points = [p(2, 14), p(10, 8)]
    baseline = course_baseline(points, SPAN)
    assert baseline.point.total == 14 and not baseline.before_treatment
    assert "no PHQ-9 in the 30 days before" in baseline.words
    assert "first one after it" in baseline.words
    outcome = course_outcome(points, SPAN)
    assert outcome.latest.total == 8 and outcome.response_on is None  # 8 > 14 / 2


def test_two_courses_each_have_their_own_baseline():
    second = Span(days(120), at(120, 10))
    spans = spans_from_first_sessions([(FIRST, AT_TEN), (days(120), at(120, 10))])
    points = [p(-1, 20), p(20, 9), p(100, 17), p(119, 18), p(130, 9)]
    first_outcome = course_outcome(points, spans[0])
    second_outcome = course_outcome(points, spans[1])
    assert first_outcome.baseline.point.total == 20
    # The 18 the day before course 2 is course 1's latest and course 2's baseline.
    assert first_outcome.latest.total == 18
    assert second.first_day == spans[1].first_day
    assert second_outcome.baseline.point.total == 18
    assert second_outcome.response_on == days(130)  # 9 is half of 18
    # Per score: 9 in course 1 is a response from 20; 9 in course 2 from 18.
    assert [r for r, _ in point_outcomes(points, spans)] == [False, True, False, False, True]


@pytest.mark.parametrize(("latest", "response"), [(10, True), (11, False)])
def test_response_is_a_drop_of_half_or_more_from_baseline(latest, response):
    """Rush et al. 2006 (STAR*D): response is a 50% or greater drop from baseline."""
    outcome = course_outcome([p(-1, 20), p(14, latest)], SPAN)
    assert (outcome.response_on is not None) is response
    assert outcome.response_holds is response


@pytest.mark.parametrize(("latest", "remission"), [(4, True), (5, False)])
def test_remission_is_a_total_under_five(latest, remission):
    """Kroenke, Spitzer & Williams 2001: PHQ-9 under 5 is minimal (remission)."""
    outcome = course_outcome([p(-1, 20), p(14, latest)], SPAN)
    assert (outcome.remission_on is not None) is remission


def test_the_best_score_and_the_first_days_of_response_and_remission():
    outcome = course_outcome([p(-1, 20), p(7, 10), p(14, 3), p(21, 4), p(28, 3)], SPAN)
    assert outcome.best.day == days(14)
    assert (outcome.response_on, outcome.remission_on) == (days(7), days(14))


def rising(last_day: int, last_total: int) -> list[Point]:
    # Baseline 20, best 6 on day 14, then rising.
    return [p(-1, 20), p(14, 6), p(14 + (last_day - 14) // 2, 8), p(last_day, last_total)]


@pytest.mark.parametrize(("last_day", "weeks"), [(34, 0), (35, 3)])
def test_the_durability_cue_needs_three_weeks_of_rising(last_day, weeks):
    """Löwe et al. 2004: a 5-point PHQ-9 change is meaningful; three weeks is a trend."""
    outcome = course_outcome(rising(last_day, 11), SPAN)
    assert outcome.rising_weeks == weeks
    assert (outcome.cue_for_patient is not None) is bool(weeks)


@pytest.mark.parametrize(("last_total", "cue"), [(10, False), (11, True)])
def test_the_durability_cue_needs_five_points_above_the_best(last_total, cue):
    outcome = course_outcome(rising(35, last_total), SPAN)
    assert (outcome.rising_weeks > 0) is cue
    if cue:
        assert "risen for 3 weeks" in outcome.cue_for_patient
        assert "talking to your team about timing" in outcome.cue_for_patient
        # 11 is more than half of 20: response no longer holds, and the team is told so.
        assert "response no longer holds" in outcome.cue_for_team


def test_the_rise_is_read_to_its_latest_score_and_a_plateau_still_rises():
    """Three scores after the best: the latest (12, 6 above the best) decides, not the first
    after it; two equal scores in a row are a plateau, not a dip."""
    assert (
        course_outcome([p(-1, 20), p(14, 6), p(21, 8), p(28, 9), p(42, 12)], SPAN).rising_weeks == 4
    )
    assert (
        course_outcome([p(-1, 20), p(14, 6), p(21, 8), p(28, 8), p(42, 12)], SPAN).rising_weeks == 4
    )


def test_no_rise_when_the_best_is_the_latest_score():
    assert course_outcome([p(-1, 20), p(14, 6)], SPAN).rising_weeks == 0


def test_a_dip_in_the_rise_means_no_cue():
    points = [p(-1, 20), p(14, 6), p(21, 12), p(28, 9), p(42, 12)]
    assert course_outcome(points, SPAN).rising_weeks == 0


def test_no_cue_before_a_response():
    points = [p(-1, 20), p(14, 12), p(42, 19)]  # never halved: a course not yet working
    assert course_outcome(points, SPAN).rising_weeks == 0


def test_each_score_is_measured_from_the_baseline_of_the_course_it_falls_in():
    """Before any course: from the patient's first score (8). In course 1: from its baseline
    (24), including a score after the session on its own day. In course 2: from its own
    baseline (10, the day before), not course 1's and not the first score."""
    spans = spans_from_first_sessions([(FIRST, AT_TEN), (days(120), at(120, 10))])
    points = [p(-40, 8), p(-1, 24), p(0, 12, hour=11), p(20, 12), p(119, 10), p(130, 5), p(135, 6)]
    assert point_outcomes(points, spans) == [
        (False, False),  # the first score: nothing to measure it from
        (False, False),  # 24 from 8
        (True, False),  # 12 from 24, after the 10:00 session that day
        (True, False),
        (True, False),  # 10 from 24: still course 1
        (True, False),  # 5 from 10: course 2's own baseline; 5 is not remission
        (False, False),  # 6 from 10: no (from 24 it would be)
    ]


def test_each_course_ends_where_the_next_one_starts():
    firsts = [(FIRST, AT_TEN), (days(60), at(60, 11)), (days(200), None)]
    assert spans_from_first_sessions(firsts) == [
        Span(FIRST, AT_TEN, days(60), at(60, 11)),
        Span(days(60), at(60, 11), days(200), None),
        Span(days(200), None, None, None),
    ]


@pytest.mark.parametrize(
    ("previous", "gap", "kind"),
    [
        (None, None, "induction"),
        (None, 10, "induction"),  # no course before: always an induction
        ("induction", None, "induction"),
        ("maintenance", 90, "maintenance"),
        ("maintenance", 91, "induction"),  # more than 90 days: treatment had stopped
        ("induction", 30, "maintenance"),
    ],
)
def test_the_next_courses_kind(previous, gap, kind):
    assert next_course_kind(previous, gap) == kind


def test_without_any_session_scores_are_measured_from_the_first():
    points = [p(0, 20), p(10, 10), p(20, 4)]
    assert point_outcomes(points, []) == [(False, False), (True, False), (True, True)]


@pytest.mark.parametrize(("gap", "courses"), [(21, 1), (22, 2)])
def test_an_induction_ends_after_a_gap_of_more_than_three_weeks(gap, courses):
    session_days = [days(0), days(3), days(7), days(7 + gap)]
    grouped = group_sessions(session_days)
    assert len(grouped) == courses
    assert grouped[0][0] == "induction"
    if courses == 2:
        assert grouped[1] == ("maintenance", [3])


@pytest.mark.parametrize(("gap", "kind"), [(90, "maintenance"), (91, "induction")])
def test_boosters_join_maintenance_until_a_gap_of_more_than_90_days(gap, kind):
    session_days = [days(0), days(40), days(80), days(80 + gap)]
    grouped = group_sessions(session_days)
    assert grouped[0] == ("induction", [0])
    assert grouped[1][0] == "maintenance"
    if kind == "maintenance":
        assert grouped[1][1] == [1, 2, 3]
    else:
        assert grouped[2] == ("induction", [3])
