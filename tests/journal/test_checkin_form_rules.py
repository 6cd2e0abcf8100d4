"""The check-in form's ranges as properties: every whole number in range is accepted, every one
outside is refused, and a skipped scale is None whatever its slider says."""

from hypothesis import given
from hypothesis import strategies as st

from journal.forms import CheckInForm
from journal.models import SCALE_FIELDS, Activity
from tests.journal.conftest import checkin_post


def form(**fields):
    return CheckInForm(
        checkin_post(**fields), activities=Activity.objects.none(), integration=False
    )


@given(st.integers(-100, 100))
def test_mood_is_accepted_exactly_from_0_to_10(mood):
    f = form(mood=str(mood))
    assert f.is_valid() is (0 <= mood <= 10)
    if f.is_valid():
        assert f.to_data().mood == mood


@given(st.sampled_from(SCALE_FIELDS), st.integers(-100, 100))
def test_each_answered_scale_is_accepted_exactly_from_0_to_10(name, value):
    f = form(**{name: str(value)})
    assert f.is_valid() is (0 <= value <= 10)
    if f.is_valid():
        assert getattr(f.to_data(), name) == value


@given(st.sampled_from(SCALE_FIELDS), st.integers(0, 10))
def test_a_skipped_scale_is_none_whatever_the_slider_says(name, value):
    data = checkin_post()
    data[name] = str(value)
    f = CheckInForm(data, activities=Activity.objects.none(), integration=False)
    assert f.is_valid()
    assert getattr(f.to_data(), name) is None


@given(st.decimals(min_value=-5, max_value=30, places=1, allow_nan=False))
def test_sleep_hours_are_accepted_from_0_to_24(hours):
    f = form(sleep_hours=str(hours))
    assert f.is_valid() is (0 <= hours <= 24)
