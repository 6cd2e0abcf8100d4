"""The early-warning rule on made-up histories: pure, no database."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal.early_warning import (
    AREAS,
    KIND_PHQ9_HIGH,
    KIND_PHQ9_RISE,
    KIND_SLIDE,
    Day,
    Score,
    evaluate,
)
from journal.warning_words import for_patient


def patient_text(finding) -> str:
    return for_patient(finding.kind, finding.details, today=TODAY).text


TODAY = dt.date(2026, 3, 29)
LOWER_IS_WORSE = [a.field for a in AREAS if a.lower_is_worse]
HIGHER_IS_WORSE = [a.field for a in AREAS if not a.lower_is_worse]


def history(days, *, today=TODAY, **overrides):
    """`days` ordinary days ending today; `overrides` maps a field to f(days_ago) -> value."""
    out = []
    for ago in range(days - 1, -1, -1):
        values = dict(
            mood=7, energy=6, interest=6, sleep_hours=7.5, connection=6, anxiety=3, appetite="usual"
        )
        for field, f in overrides.items():
            value = f(ago)
            if value is not None:
                values[field] = value
        out.append(Day(day=today - dt.timedelta(days=ago), **values))
    return out


def slides(findings):
    return [f for f in findings if f.kind == KIND_SLIDE]


def test_a_three_week_slide_in_mood_sleep_and_energy_explains_itself():
    low = lambda ago: ago < 21  # noqa: E731
    series = history(
        70,
        mood=lambda ago: 4 if low(ago) else None,
        energy=lambda ago: 3 if low(ago) else None,
        sleep_hours=lambda ago: 5.0 if low(ago) else None,
    )
    # Two of the last 14 days were not too bad.
    series = [
        d
        if d.day not in {TODAY - dt.timedelta(days=3), TODAY}
        else Day(**{**d.__dict__, "mood": 7})
        for d in series
    ]

    (finding,) = slides(evaluate(series, [], TODAY))

    assert patient_text(finding).startswith(
        "Your mood has been lower than your usual for 12 of the last 14 days, "
        "and your energy and sleep too."
    )
    steps = for_patient(finding.kind, finding.details, today=TODAY).next_steps
    assert any("safety plan" in step for step in steps)
    assert any("care team" in step for step in steps)
    assert finding.started_on == TODAY - dt.timedelta(days=13)


def test_a_slide_in_mood_alone_is_not_a_signal():
    series = history(70, mood=lambda ago: 3 if ago < 21 else None)
    assert evaluate(series, [], TODAY) == []


def test_a_slide_with_only_seven_days_logged_is_not_a_signal():
    series = history(
        70,
        mood=lambda ago: 3 if ago < 21 else None,
        energy=lambda ago: 2 if ago < 21 else None,
        interest=lambda ago: 2 if ago < 21 else None,
    )
    logged_recently = {TODAY - dt.timedelta(days=a) for a in (0, 2, 4, 6, 8, 10, 12)}
    series = [
        d for d in series if d.day < TODAY - dt.timedelta(days=13) or d.day in logged_recently
    ]
    assert evaluate(series, [], TODAY) == []


def test_a_new_patient_without_a_usual_yet_gets_no_slide_signal():
    series = history(20, mood=lambda ago: 2, energy=lambda ago: 1, interest=lambda ago: 1)
    assert evaluate(series, [], TODAY) == []


def test_the_same_slide_keeps_its_key_from_one_day_to_the_next():
    series = history(
        80,
        mood=lambda ago: 3 if ago < 21 else None,
        energy=lambda ago: 2 if ago < 21 else None,
        anxiety=lambda ago: 8 if ago < 21 else None,
    )
    keys = {
        slides(evaluate([d for d in series if d.day <= day], [], day))[0].dedupe_key
        for day in (TODAY - dt.timedelta(days=5), TODAY - dt.timedelta(days=4))
    }
    assert len(keys) == 1


def phq9(pk, total, days_ago):
    return Score(id=pk, instrument="phq9", total=total, day=TODAY - dt.timedelta(days=days_ago))


def test_a_phq9_rise_of_five_signals_and_a_rise_of_four_does_not():
    rise = evaluate([], [phq9(1, 6, 28), phq9(2, 11, 14)], TODAY)
    assert [(f.kind, f.dedupe_key) for f in rise] == [(KIND_PHQ9_RISE, "q:2")]
    assert "6 to 11" in patient_text(rise[0])
    assert evaluate([], [phq9(1, 6, 28), phq9(2, 10, 14)], TODAY) == []


def test_a_phq9_of_fifteen_signals_even_without_a_rise():
    findings = evaluate([], [phq9(1, 16, 28), phq9(2, 15, 14)], TODAY)
    assert [f.kind for f in findings] == [KIND_PHQ9_HIGH]
    assert "15" in patient_text(findings[0])


def test_only_the_latest_phq9_speaks_for_now():
    # A rise long ago, followed by improvement: nothing to say today.
    assert evaluate([], [phq9(1, 5, 60), phq9(2, 17, 45), phq9(3, 8, 14)], TODAY) == []


def test_gad7_scores_do_not_count_as_phq9():
    gad = Score(id=9, instrument="gad7", total=20, day=TODAY)
    assert evaluate([], [phq9(1, 4, 28), gad], TODAY) == []


# --- Properties over made-up histories ------------------------------------------------------

levels = st.fixed_dictionaries(
    {
        "mood": st.integers(4, 9),
        "energy": st.integers(1, 9),
        "interest": st.integers(1, 9),
        "connection": st.integers(1, 9),
        "self_worth": st.integers(1, 9),
        "sleep_hours": st.integers(4, 9),
        "anxiety": st.integers(0, 7),
        "irritability": st.integers(0, 7),
    }
)


def ordinary_day(day, level, noise):
    """An ordinary day: each measure at its level or one step to the better side of it."""
    values = {}
    for field, base in level.items():
        up = noise.get(field, 0)
        if field in HIGHER_IS_WORSE:
            values[field] = max(0, base - up)
        elif field == "sleep_hours":
            values[field] = float(base + up)
        else:
            values[field] = min(10, base + up)
    return Day(day=day, appetite="usual", **values)


noise_maps = st.fixed_dictionaries(
    {f: st.integers(0, 1) for f in ["mood", *LOWER_IS_WORSE, *HIGHER_IS_WORSE]}
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    level=levels,
    length=st.integers(42, 120),
    noises=st.lists(noise_maps, min_size=120, max_size=120),
    missing=st.sets(st.integers(0, 119), max_size=40),
    dip_length=st.integers(1, 3),
    dip_end_ago=st.integers(0, 41),
    dip=st.data(),
)
def test_no_dip_of_one_to_three_days_ever_signals(
    level, length, noises, missing, dip_length, dip_end_ago, dip
):
    series = []
    for ago in range(length - 1, -1, -1):
        if ago in missing:
            continue
        day = TODAY - dt.timedelta(days=ago)
        d = ordinary_day(day, level, noises[ago])
        if dip_end_ago <= ago < dip_end_ago + dip_length:
            # The worst a day can be, or anything in between, in every area at once.
            worse = {
                "mood": dip.draw(st.integers(0, level["mood"])),
                **{
                    f: dip.draw(st.integers(0, level[f]))
                    for f in LOWER_IS_WORSE
                    if f != "sleep_hours"
                },
                "sleep_hours": float(dip.draw(st.integers(0, level["sleep_hours"]))),
                **{f: dip.draw(st.integers(level[f], 10)) for f in HIGHER_IS_WORSE},
                "appetite": dip.draw(st.sampled_from(["less", "more"])),
            }
            d = Day(day=day, **worse)
        series.append(d)

    assert slides(evaluate(series, [], TODAY)) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    level=levels,
    noises=st.lists(noise_maps, min_size=90, max_size=90),
    areas=st.sets(st.sampled_from([*LOWER_IS_WORSE, *HIGHER_IS_WORSE, "appetite"]), min_size=2),
    unlogged=st.sets(st.integers(0, 13), max_size=6),  # up to 6 of the last 14 days missed
    slide=st.data(),
)
def test_every_three_week_slide_across_several_areas_signals(level, noises, areas, unlogged, slide):
    series = []
    for ago in range(89, -1, -1):
        if ago in unlogged:
            continue
        day = TODAY - dt.timedelta(days=ago)
        d = ordinary_day(day, level, noises[ago])
        if ago < 21:
            values = dict(d.__dict__)
            values["mood"] = slide.draw(st.integers(0, level["mood"] - 2))
            for field in areas:
                if field == "appetite":
                    values["appetite"] = slide.draw(st.sampled_from(["less", "more"]))
                elif field == "sleep_hours":
                    values[field] = float(slide.draw(st.integers(0, level[field] - 1)))
                elif field in LOWER_IS_WORSE:
                    values[field] = slide.draw(st.integers(0, level[field] - 1))
                else:
                    values[field] = slide.draw(st.integers(level[field] + 2, 10))
            d = Day(**values)
        series.append(d)

    (finding,) = slides(evaluate(series, [], TODAY))
    logged = 14 - len(unlogged)
    assert f"for {logged} of the last 14 days" in patient_text(finding)
