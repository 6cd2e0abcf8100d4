"""Every clinical threshold pinned on both sides of its edge (n-1 and n).

The property tests in tests/journal/test_early_warning_rule.py prove the extremes ("a dip of
1-3 days never signals", "a 3-week slide always signals"); these pin the rule in between, so a
changed number, a `<` that became `<=` or a window that moved by a day fails a test. Each
test's docstring names where its number comes from.
"""

import datetime as dt
import uuid

import pytest
from django.conf import settings as django_settings

from journal import early_warning as ew
from journal import questionnaires as q
from journal.early_warning import Day, Score, evaluate, questionnaire_findings, slide_finding
from journal.models import INTEGRATION_DAYS, Signal
from journal.reminders.due import questionnaire_cycles
from journal.selectors import questionnaires_due
from journal.services import integration_session_for, questionnaire_submit
from tests.factories import TreatmentSessionFactory, UserFactory, scored_questionnaire

TODAY = dt.date(2026, 3, 29)
WINDOW_START = TODAY - dt.timedelta(days=ew.WINDOW_DAYS - 1)  # the window's first day
USUAL = dict(mood=7, energy=6.0, interest=6.0, sleep_hours=7.5, appetite="usual")
SLID = dict(mood=4, energy=4.0, interest=4.0, sleep_hours=5.0, appetite="usual")


def day(ago: int, **values) -> Day:
    return Day(day=TODAY - dt.timedelta(days=ago), **values)


def baseline(days: int = ew.BASELINE_DAYS, **overrides) -> list:
    """`days` ordinary days, the last one the day before the window."""
    first = ew.WINDOW_DAYS  # days ago of the day just before the window
    return [day(first + i, **{**USUAL, **overrides}) for i in range(days)]


def window(low: int, ordinary: int = 0, **overrides) -> list:
    """The window's last `low + ordinary` days: `low` slid days (the most recent), then
    `ordinary` ones; the other areas are worse on the slid days only."""
    out = [day(ago, **{**SLID, **overrides}) for ago in range(low)]
    out += [day(low + i, **USUAL) for i in range(ordinary)]
    return out


def slides(series) -> bool:
    return slide_finding(series, TODAY) is not None


# --- Early warning: the sustained slide ---------------------------------------------------


def test_the_reference_slide_signals():
    """14 slid days after 28 ordinary ones: the case every edge below moves one step from."""
    assert slides(baseline() + window(14))


def test_eight_low_days_in_the_window_signal_and_seven_do_not():
    """MIN_LOW_DAYS = 8 (journal/early_warning.py; DESIGN.md "Early warning": a dip shorter
    than the window is bad days, not a slide). Mood 3 on the low days keeps the window's mean
    under the usual by 2 or more in both cases, so only the count decides."""
    eight = window(8, 6, mood=3)
    seven = window(7, 7, mood=3)
    assert sum(d.mood <= 5 for d in eight) == 8
    assert slides(baseline() + eight)
    assert not slides(baseline() + seven)


def test_eight_logged_days_in_the_window_signal_and_seven_do_not():
    """MIN_DAYS_LOGGED = 8 of the 14 (journal/early_warning.py): fewer says too little."""
    assert slides(baseline() + window(8))
    assert not slides(baseline() + window(7))


def test_a_mood_two_points_under_the_usual_signals_and_one_and_a_half_does_not():
    """MOOD_DROP = 2.0 points on the 0-10 scale (journal/early_warning.py), for both the
    window's mean and each low day (`<=`, so exactly 2 under counts)."""
    assert slides(baseline() + window(14, mood=5))  # 7 - 2
    half = window(7, mood=5) + [day(ago, **{**SLID, "mood": 6}) for ago in range(7, 14)]
    assert not slides(baseline() + half)  # mean 5.5: 1.5 under
    assert not slides(baseline() + window(14, mood=6))
    # A usual of 7.5 (the median of 7s and 8s): every day at 6 is 1.5 under, not enough.
    between = [Day(**{**d.__dict__, "mood": 7 + i % 2}) for i, d in enumerate(baseline())]
    assert not slides(between + window(14, mood=6))
    assert slides(between + window(14, mood=5))


def test_the_window_mean_decides_even_when_eight_days_are_low():
    """The mean must be 2 under too (`mean > usual - 2` is no signal): eight days at 5 and six
    at 8 average 6.3, under the usual of 7 by less than 2."""
    series = (
        baseline() + window(8, mood=5) + [day(ago, **{**SLID, "mood": 8}) for ago in range(8, 14)]
    )
    assert not slides(series)
    series = (
        baseline() + window(8, mood=5) + [day(ago, **{**SLID, "mood": 5}) for ago in range(8, 14)]
    )
    assert slides(series)


def test_ten_baseline_days_are_enough_to_know_the_usual_and_nine_are_not():
    """MIN_BASELINE_DAYS = 10 (journal/early_warning.py): fewer and we don't know the usual."""
    assert slides(baseline(10) + window(14))
    assert not slides(baseline(9) + window(14))


def test_the_baseline_reaches_back_28_days_before_the_window_and_no_further():
    """BASELINE_DAYS = 28 (DESIGN.md "Early warning": the patient's median over the 28 days
    before the window). Ten baseline days are needed: the tenth 28 days before the window's
    start counts, 29 days before does not."""
    near = baseline(9)
    far_in = day(ew.WINDOW_DAYS + ew.BASELINE_DAYS - 1, **USUAL)  # window_start - 28
    far_out = day(ew.WINDOW_DAYS + ew.BASELINE_DAYS, **USUAL)  # window_start - 29
    assert far_in.day == WINDOW_START - dt.timedelta(days=28)
    assert slides([*near, far_in, *window(14)])
    assert not slides([*near, far_out, *window(14)])


def test_the_baseline_ends_the_day_before_the_window():
    """The baseline is the 28 days *before* the window (DESIGN.md): the window's first day is
    not part of it. Nine baseline days and a full window: if the window's first day were
    counted as baseline there would be ten."""
    assert not slides(baseline(9) + window(14))
    # ...and the day before the window is baseline: nine plus that day are ten.
    assert baseline(1)[0].day == WINDOW_START - dt.timedelta(days=1)
    assert slides(baseline(10) + window(14))


def test_the_window_is_the_last_fourteen_days_including_today():
    """WINDOW_DAYS = 14 (DESIGN.md: a slide that lasts weeks; journal/early_warning.py). Eight
    logged low days, the earliest on the window's first day (13 days ago): it counts. Moved
    one day earlier (14 days ago) it is outside, seven remain."""
    inside = [day(ago, **SLID) for ago in range(7)] + [day(13, **SLID)]
    outside = [day(ago, **SLID) for ago in range(7)] + [day(14, **SLID)]
    assert slides(baseline() + inside)
    assert not slides(baseline()[1:] + outside)


def test_a_day_after_today_is_not_in_the_window():
    """The window ends today: a row dated tomorrow (a clock skew, a bad import) is not read."""
    tomorrow = Day(day=TODAY + dt.timedelta(days=1), **SLID)
    assert not slides(baseline() + window(7) + [tomorrow])


def test_two_other_areas_worse_signal_and_one_does_not():
    """MIN_OTHER_AREAS = 2 (DESIGN.md "Early warning": a slide that reaches several areas of
    life). Mood alone, or mood and one area, is not a slide."""
    two = window(14, interest=6.0, sleep_hours=7.5)  # energy and ... only energy is worse
    assert not slides(baseline() + two)
    two = window(14, interest=6.0)  # energy and sleep worse
    finding = slide_finding(baseline() + two, TODAY)
    assert finding is not None
    assert finding.details["areas"] == ["energy", "sleep_hours"]


@pytest.mark.parametrize("area", ew.AREAS, ids=lambda a: a.field)
def test_an_area_counts_when_it_moves_by_its_threshold_and_not_before(area):
    """Each area's `warning_threshold` (journal/measures.py; 1.0 point, or 1 hour of sleep):
    a window mean that far from the usual, in the worse direction, counts; half a step less,
    or the same step in the better direction, does not. Energy is worse throughout, so the
    area under test is the second that decides."""
    base_value = 5.0
    worse = base_value - area.threshold if area.lower_is_worse else base_value + area.threshold
    almost = base_value - (area.threshold - 0.5) * (1 if area.lower_is_worse else -1)
    better = base_value + area.threshold if area.lower_is_worse else base_value - area.threshold
    others = {"interest": 6.0, "sleep_hours": 7.5}  # not worse unless under test
    base = baseline(**{area.field: base_value})

    def with_area(value):
        overrides = {**others, area.field: value} if area.field != "energy" else {}
        if area.field == "energy":  # energy under test: make sleep the other worse area
            overrides = {"interest": 6.0, "energy": value}
        return window(14, **overrides)

    assert slides(base + with_area(worse))
    assert not slides(base + with_area(almost))
    assert not slides(base + with_area(better))


def test_an_area_needs_four_values_on_each_side():
    """MIN_AREA_DAYS = 4 (journal/early_warning.py): an area with three answers in the window
    says too little to count; four count."""
    sleep_on = lambda n: [  # noqa: E731
        day(ago, **{**SLID, "interest": 6.0, "sleep_hours": 5.0 if ago < n else None})
        for ago in range(14)
    ]
    assert slides(baseline() + sleep_on(4))
    assert not slides(baseline() + sleep_on(3))


def test_appetite_counts_when_more_than_half_the_window_changed_from_the_usual():
    """journal/early_warning.py `_choice_changed`: more than half of the window's answered days
    report eating less or more, and that share is at least half a window above the baseline's.
    Energy is the one other area; appetite changed on 8 of 14 days (57%) counts, on 7 (50%)
    does not."""
    base = baseline()

    def appetite_changed(n):
        return [
            day(
                ago,
                **{
                    **SLID,
                    "interest": 6.0,
                    "sleep_hours": 7.5,
                    "appetite": "less" if ago < n else "usual",
                },
            )
            for ago in range(14)
        ]

    assert slides(base + appetite_changed(8))
    assert not slides(base + appetite_changed(7))
    # A patient whose appetite often differs already: the change must be half a window more.
    often = baseline(ew.BASELINE_DAYS - 4) + [
        day(ew.WINDOW_DAYS + ew.BASELINE_DAYS - 1 - i, **{**USUAL, "appetite": "more"})
        for i in range(4)
    ]  # 4 of 28 = 14% changed
    assert not slides(often + appetite_changed(8))  # 57% - 14% < 50%
    assert slides(often + appetite_changed(10))  # 71% - 14% >= 50%


# --- Early warning: questionnaires --------------------------------------------------------


def phq9(*totals, first=TODAY - dt.timedelta(days=28)) -> list[Score]:
    return [
        Score(id=i + 1, instrument="phq9", total=t, day=first + dt.timedelta(days=14 * i))
        for i, t in enumerate(totals)
    ]


def kinds(findings) -> set[str]:
    return {f.kind for f in findings}


def test_a_phq9_rise_of_five_signals_and_four_does_not():
    """PHQ9_RISE = 5: the minimal clinically important difference on the PHQ-9 (Löwe B et al.,
    Med Care 2004;42(12):1194-1201)."""
    assert ew.KIND_PHQ9_RISE in kinds(questionnaire_findings(phq9(6, 11)))
    assert ew.KIND_PHQ9_RISE not in kinds(questionnaire_findings(phq9(6, 10)))


def test_a_phq9_of_fifteen_signals_and_fourteen_does_not():
    """PHQ9_HIGH = 15, "moderately severe" (Kroenke, Spitzer & Williams, J Gen Intern Med
    2001;16(9):606-613)."""
    assert kinds(questionnaire_findings(phq9(15))) == {ew.KIND_PHQ9_HIGH}
    assert kinds(questionnaire_findings(phq9(14))) == set()
    assert kinds(questionnaire_findings(phq9(12, 14))) == set()


def test_a_rise_is_measured_from_the_one_before_by_day_then_time():
    """Only the latest PHQ-9 speaks (journal/early_warning.py): two on the same day are
    ordered by when they were sent."""
    morning = dt.datetime(2026, 3, 29, 8, tzinfo=dt.UTC)
    scores = [
        Score(id=2, instrument="phq9", total=12, day=TODAY, submitted_at=morning),
        Score(id=1, instrument="phq9", total=7, day=TODAY, submitted_at=morning - dt.timedelta(1)),
    ]
    findings = questionnaire_findings(scores)
    assert kinds(findings) == {ew.KIND_PHQ9_RISE}
    assert findings[0].details == {"previous": 7, "total": 12}
    assert findings[0].dedupe_key == "q:2"


def test_evaluate_joins_the_slide_and_the_questionnaires():
    assert kinds(evaluate(baseline() + window(14), phq9(15), TODAY)) == {
        ew.KIND_SLIDE,
        ew.KIND_PHQ9_HIGH,
    }


# --- PHQ-9 and GAD-7 bands, response and remission ----------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands_at_each_cut_point(total, band):
    """Kroenke K, Spitzer RL, Williams JBW. The PHQ-9. J Gen Intern Med 2001;16(9):606-613:
    0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe."""
    assert q.phq9_band(total) == band
    assert q.band("phq9", total) == band


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_bands_at_each_cut_point(total, band):
    """Spitzer RL, Kroenke K, Williams JBW, Löwe B. The GAD-7. Arch Intern Med
    2006;166(10):1092-1097: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe."""
    assert q.gad7_band(total) == band
    assert q.band("gad7", total) == band


def test_totals_outside_the_scale_are_refused():
    """PHQ-9 totals run 0-27 (9 items x 3), GAD-7 0-21 (7 x 3)."""
    for instrument, top in (("phq9", 27), ("gad7", 21)):
        q.band(instrument, top)
        q.band(instrument, 0)
        with pytest.raises(ValueError):
            q.band(instrument, top + 1)
        with pytest.raises(ValueError):
            q.band(instrument, -1)
    assert q.band("phq9", None) == ""


def test_band_ranges_for_charts_and_tables():
    assert q.band_ranges(q.PHQ9) == (
        (0, 4, "Minimal"),
        (5, 9, "Mild"),
        (10, 14, "Moderate"),
        (15, 19, "Moderately severe"),
        (20, 27, "Severe"),
    )
    assert q.band_ranges(q.GAD7)[-1] == (15, 21, "Severe")


def test_response_is_a_drop_of_half_or_more_from_the_baseline():
    """Response: a PHQ-9 at 50% of the baseline or less (the usual trial definition; e.g.
    Kroenke et al. 2001, and the ketamine trials that report it)."""
    assert q.phq9_response(baseline=20, total=10)
    assert not q.phq9_response(baseline=20, total=11)
    assert q.phq9_response(baseline=15, total=7)  # 7.5 is half: 7 is at or under it
    assert not q.phq9_response(baseline=15, total=8)
    assert not q.phq9_response(baseline=0, total=0)  # nothing to halve
    assert not q.phq9_response(baseline=None, total=0)


def test_remission_is_a_phq9_under_five():
    """Remission: PHQ-9 < 5, the "minimal" band (Kroenke et al. 2001)."""
    assert q.phq9_remission(4)
    assert not q.phq9_remission(5)


# Which score a course's response is measured from (the pre-treatment baseline: the latest
# PHQ-9 in the 30 days up to the first session, before its time) is pinned at every edge in
# tests/journal/test_course_rules.py, beside journal/courses.py.


def test_item_nine_above_zero_starts_the_safety_flow():
    """PHQ-9 item 9 > 0 at any total starts the safety flow (DESIGN.md; shared/NOTES.md)."""
    assert q.score("phq9", [0] * 8 + [1]).item9 == 1
    assert q.score("phq9", [0] * 9).item9 == 0
    assert q.score("gad7", [3] * 7).item9 is None


@pytest.mark.django_db
def test_item_nine_of_one_opens_the_safety_flow_and_zero_does_not():
    """The same edge through the service: item 9 = 1 records an urgent signal at once."""
    patient = UserFactory()
    calm = questionnaire_submit(
        patient=patient, instrument="phq9", answers=[1] * 8 + [0], submission_key=uuid.uuid4()
    )
    assert not calm.needs_safety_flow
    assert not Signal.objects.filter(patient=patient).exists()
    urgent = questionnaire_submit(
        patient=patient, instrument="phq9", answers=[0] * 8 + [1], submission_key=uuid.uuid4()
    )
    assert urgent.needs_safety_flow
    assert list(Signal.objects.filter(patient=patient).values_list("kind", flat=True)) == [
        Signal.Kind.URGENT_ITEM9
    ]


# --- Integration windows ------------------------------------------------------------------


@pytest.mark.django_db
def test_integration_prompts_come_1_3_7_and_30_days_after_a_session():
    """INTEGRATION_DAYS = (1, 3, 7, 30) (journal/models.py; DESIGN.md): each edge on both sides,
    not the session's own day, and another patient's session opens nothing."""
    assert INTEGRATION_DAYS == (1, 3, 7, 30)
    patient = UserFactory()
    session_day = patient.today() - dt.timedelta(days=40)
    session = TreatmentSessionFactory(patient=patient, day=session_day)
    other = UserFactory()
    TreatmentSessionFactory(patient=other, day=session_day + dt.timedelta(days=4))

    def prompt_on(n):
        return integration_session_for(patient=patient, day=session_day + dt.timedelta(days=n))

    asked = [n for n in range(0, 33) if prompt_on(n) == session]
    assert asked == [1, 3, 7, 30]
    assert prompt_on(5) is None  # other's day +1: not this patient's prompt


@pytest.mark.django_db
def test_when_two_sessions_have_a_prompt_on_one_day_the_later_sessions_is_asked():
    patient = UserFactory()
    first_day = patient.today() - dt.timedelta(days=20)
    TreatmentSessionFactory(patient=patient, day=first_day)
    later = TreatmentSessionFactory(patient=patient, day=first_day + dt.timedelta(days=2))
    # first_day + 3 is day 3 of the first session and day 1 of the later one.
    assert integration_session_for(patient=patient, day=first_day + dt.timedelta(days=3)) == later


# --- Questionnaire due rules --------------------------------------------------------------


@pytest.mark.django_db
def test_the_home_page_shows_a_questionnaire_due_from_fourteen_days(settings):
    """QUESTIONNAIRE_DUE_DAYS = 14 (config/settings.py): the PHQ-9 and GAD-7 ask about "the
    last 2 weeks" (Kroenke et al. 2001; Spitzer et al. 2006). Filled 13 days ago: not due; 14:
    due; never: due."""
    settings.QUESTIONNAIRE_DUE_DAYS = 14
    patient = UserFactory()
    today = patient.today()
    scored_questionnaire(patient, "phq9", 5, today - dt.timedelta(days=13))
    scored_questionnaire(patient, "gad7", 5, today - dt.timedelta(days=14))
    due = {s.instrument: s.due for s in questionnaires_due(patient=patient, today=today)}
    assert due == {"phq9": False, "gad7": True}
    fresh = UserFactory()
    assert all(s.due for s in questionnaires_due(patient=fresh, today=fresh.today()))


def test_the_reminder_email_comes_on_the_fourteenth_day_as_the_home_page_says():
    """QUESTIONNAIRE_DUE_DAYS = 14 (the PHQ-9 and GAD-7 ask about "the last 2 weeks"; Kroenke et
    al. 2001; Spitzer et al. 2006): the reminder goes when the last response is 14 or more days
    before the local day, the same day the home page starts showing it due. 13 days: not yet."""
    every = django_settings.QUESTIONNAIRE_DUE_DAYS
    today = TODAY
    last = {
        (1, "phq9"): today - dt.timedelta(days=every - 1),
        (1, "gad7"): today - dt.timedelta(days=every),
    }
    assert questionnaire_cycles(last, 1, today) == [
        f"gad7:{(today - dt.timedelta(days=every)).isoformat()}"
    ]
    assert questionnaire_cycles({}, 1, today) == ["phq9:never", "gad7:never"]


# --- Early warning: what a finding says (reviewed survivors of `make mutate`) --------------


def test_a_slide_finding_carries_its_facts_rounded_and_its_week():
    """The facts journal/warning_words.py turns into words: how many days were lower than
    usual, which areas, the usual and the window's mean to one decimal; keyed on the Monday of
    the week the slide began, so tomorrow's run finds the same slide."""
    series = baseline() + window(8, 5, mood=3) + [day(13, **{**SLID, "mood": 4})]
    finding = slide_finding(series, TODAY)
    assert finding is not None
    low = [d.day for d in series if d.day >= WINDOW_START and d.mood <= 5]
    assert finding.kind == ew.KIND_SLIDE
    assert finding.started_on == min(low) == WINDOW_START
    assert finding.dedupe_key == f"slide:{ew.monday(WINDOW_START).isoformat()}"
    # 8 days at 3, one at 4, five ordinary at 7 (the areas stay worse on the slid days only):
    # mean 63/14 = 4.5; 9 days under the usual of 7.
    assert finding.details == {
        "low_days": 9,
        "areas": ["energy", "interest", "sleep_hours"],
        "usual": 7.0,
        "mean": 4.5,
    }
    uneven = baseline() + window(8, 6, mood=2)  # (16 + 42) / 14 = 4.142857...
    assert slide_finding(uneven, TODAY).details["mean"] == 4.1


def test_questionnaire_findings_carry_the_scores_and_the_day():
    latest_day = TODAY - dt.timedelta(days=2)
    scores = [
        Score(id=7, instrument="phq9", total=10, day=latest_day - dt.timedelta(days=14)),
        Score(id=9, instrument="phq9", total=16, day=latest_day),
    ]
    assert questionnaire_findings(scores) == [
        ew.Finding(ew.KIND_PHQ9_RISE, "q:9", latest_day, {"previous": 10, "total": 16}),
        ew.Finding(ew.KIND_PHQ9_HIGH, "q:9", latest_day, {"total": 16}),
    ]


def test_on_one_day_the_later_questionnaire_is_the_latest_whatever_its_id():
    """Ordered by day, then the time it was sent (one without a time first), then id."""
    noon = dt.datetime(2026, 3, 29, 12, tzinfo=dt.UTC)
    later_sent_lower_id = [
        Score(id=1, instrument="phq9", total=16, day=TODAY, submitted_at=noon),
        Score(id=2, instrument="phq9", total=8, day=TODAY, submitted_at=noon - dt.timedelta(1)),
    ]
    assert kinds(questionnaire_findings(later_sent_lower_id)) == {
        ew.KIND_PHQ9_RISE,
        ew.KIND_PHQ9_HIGH,
    }
    untimed_first = [
        Score(id=5, instrument="phq9", total=16, day=TODAY, submitted_at=noon),
        Score(id=6, instrument="phq9", total=8, day=TODAY, submitted_at=None),
    ]
    assert kinds(questionnaire_findings(untimed_first)) == {ew.KIND_PHQ9_RISE, ew.KIND_PHQ9_HIGH}


def appetite_series(base_answered: int, base_changed: int, window_changed: int) -> list:
    """Energy is the only numeric area worse; appetite decides. The baseline answers the
    appetite question on `base_answered` days (`base_changed` of them "more"), the window on
    `window_changed` days, all "less"; the other days leave it unanswered."""
    base = [
        Day(
            **{
                **d.__dict__,
                "appetite": ("more" if i < base_changed else "usual") if i < base_answered else "",
            }
        )
        for i, d in enumerate(baseline())
    ]
    recent = [
        day(
            ago,
            **{
                **SLID,
                "interest": 6.0,
                "sleep_hours": 7.5,
                "appetite": "less" if ago < window_changed else "",
            },
        )
        for ago in range(14)
    ]
    return base + recent


def test_appetite_needs_four_answers_on_each_side():
    """MIN_AREA_DAYS = 4 applies to a choice too (journal/early_warning.py `_choice_changed`)."""
    assert slides(appetite_series(4, 0, 4))
    assert not slides(appetite_series(3, 0, 8))
    assert not slides(appetite_series(4, 0, 3))


def test_appetite_changed_by_exactly_half_a_window_more_than_usual_counts():
    """Usual share of change 50% (2 of 4), window 100%: exactly half a window more counts
    (`>= 0.5`); 3 of 4 usually changed (75%) leaves only 25% more."""
    assert slides(appetite_series(4, 2, 14))
    assert not slides(appetite_series(4, 3, 14))


def test_a_numeric_area_with_exactly_four_baseline_values_counts():
    """MIN_AREA_DAYS = 4 on the baseline side of a numeric area: sleep answered on only four
    baseline days still gives a usual to compare with."""
    base = [
        Day(**{**d.__dict__, "sleep_hours": d.sleep_hours if i < 4 else None})
        for i, d in enumerate(baseline())
    ]
    recent = window(14, interest=6.0)  # energy and sleep worse
    assert slides(base + recent)
    fewer = [
        Day(**{**d.__dict__, "sleep_hours": None}) if i == 3 else d for i, d in enumerate(base)
    ]
    assert not slides(fewer + recent)


# --- Questionnaires: reviewed survivors of `make mutate` ------------------------------------


def test_a_baseline_of_one_falling_to_zero_is_a_response():
    """Any baseline above 0 can be halved: 1 to 0 is a 100% drop."""
    assert q.phq9_response(baseline=1, total=0)
    assert not q.phq9_response(baseline=1, total=1)


def test_wrong_answers_are_refused_with_a_reason():
    """The reasons are for developers and logs (the form shows its own words)."""
    with pytest.raises(ValueError, match=r"^unknown instrument$"):
        q.score("bdi", [0] * 21)
    with pytest.raises(ValueError, match=r"^phq9 needs 9 answers$"):
        q.score("phq9", [0] * 8)
    with pytest.raises(ValueError, match=r"^each answer must be 0-3$"):
        q.score("gad7", [0] * 6 + [4])
    with pytest.raises(ValueError, match=r"^each answer must be 0-3$"):
        q.score("gad7", [0] * 6 + [True])
    with pytest.raises(ValueError, match=r"^gad7 total must be 0-21$"):
        q.gad7_band(22)
