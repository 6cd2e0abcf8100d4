"""PHQ-9 (Kroenke 2001) and GAD-7 (Spitzer 2006) scoring: every band edge, and properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal.questionnaires import (
    ANSWER_CHOICES,
    GAD7_ITEMS,
    LOINC_GAD7_PANEL,
    LOINC_GAD7_TOTAL,
    LOINC_PHQ9_ITEM9,
    LOINC_PHQ9_PANEL,
    LOINC_PHQ9_TOTAL,
    PHQ9_ITEMS,
    gad7_band,
    phq9_band,
    score,
)


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
def test_phq9_band_edges(total, band):
    assert phq9_band(total) == band


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
def test_gad7_band_edges(total, band):
    assert gad7_band(total) == band


@pytest.mark.parametrize(("band", "total"), [(phq9_band, 28), (phq9_band, -1), (gad7_band, 22)])
def test_a_total_outside_the_instrument_range_is_refused(band, total):
    with pytest.raises(ValueError):
        band(total)


def test_the_instruments_have_their_standard_items_and_answer_scale():
    assert len(PHQ9_ITEMS) == 9
    assert len(GAD7_ITEMS) == 7
    assert PHQ9_ITEMS[8].startswith("Thoughts that you would be better off dead")
    assert [label for _, label in ANSWER_CHOICES] == [
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    ]
    assert (LOINC_PHQ9_PANEL, LOINC_PHQ9_TOTAL, LOINC_PHQ9_ITEM9) == (
        "44249-1",
        "44261-6",
        "44260-8",
    )
    assert (LOINC_GAD7_PANEL, LOINC_GAD7_TOTAL) == ("69737-5", "70274-6")


@given(st.lists(st.integers(0, 3), min_size=9, max_size=9))
def test_phq9_total_is_the_sum_and_item9_is_kept(answers):
    result = score("phq9", answers)
    assert result.total == sum(answers)
    assert result.item9 == answers[8]
    assert result.band == phq9_band(sum(answers))


@given(st.lists(st.integers(0, 3), min_size=7, max_size=7))
def test_gad7_total_is_the_sum_and_has_no_item9(answers):
    result = score("gad7", answers)
    assert result.total == sum(answers)
    assert result.item9 is None


@given(st.integers(0, 26))
def test_phq9_bands_never_go_down_as_the_total_rises(total):
    order = ["minimal", "mild", "moderate", "moderately severe", "severe"]
    assert order.index(phq9_band(total)) <= order.index(phq9_band(total + 1))


@pytest.mark.parametrize(
    ("instrument", "answers"),
    [
        ("phq9", [1] * 8),
        ("phq9", [1] * 10),
        ("gad7", [4, 0, 0, 0, 0, 0, 0]),
        ("gad7", [-1, 0, 0, 0, 0, 0, 0]),
        ("gad7", ["1", 0, 0, 0, 0, 0, 0]),
        ("bdi", [0] * 21),
    ],
)
def test_bad_answers_are_refused(instrument, answers):
    with pytest.raises(ValueError):
        score(instrument, answers)
