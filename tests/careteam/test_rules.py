"""Pure rules, checked on made-up inputs."""

import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from careteam.models import Share
from careteam.selectors import SPARK_HEIGHT, SPARK_WIDTH, DashboardRow, sparkline_points
from careteam.services import join_code_normalize, share_widens
from journal.access import Scope

codes = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=8, max_size=8)
noise = st.lists(st.sampled_from([" ", "-", "  "]), max_size=3)


@given(code=codes, seps=noise, lower=st.booleans(), data=st.data())
def test_a_code_typed_with_spaces_dashes_or_lower_case_finds_the_team(code, seps, lower, data):
    typed = list(code.lower() if lower else code)
    for sep in seps:
        typed.insert(data.draw(st.integers(0, len(typed))), sep)
    assert join_code_normalize("".join(typed)) == code


rows = st.builds(
    lambda urgent, sliding, phq9, days: DashboardRow(
        patient=User(email="p@example.test", display_name="P"),
        teams=[],
        sees_trends=True,
        sees_notes=False,
        urgent=urgent,
        sliding=sliding,
        phq9_flag=phq9,
        last_checkin=None if days is None else dt.date(2026, 11, 1) - dt.timedelta(days=days),
    ),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.none() | st.integers(0, 400),
)


@given(st.lists(rows, min_size=2, max_size=30))
def test_an_unseen_urgent_signal_always_comes_before_anything_else(listed):
    ordered = sorted(listed, key=DashboardRow.sort_key)
    flags = [r.urgent for r in ordered]
    assert flags == sorted(flags, reverse=True)
    for before, after in itertools.pairwise(ordered):
        if (before.urgent, before.sliding, before.phq9_flag) == (
            after.urgent,
            after.sliding,
            after.phq9_flag,
        ):
            # Same need: the longer silence first (never checked in is the longest).
            assert (before.last_checkin or dt.date.min) <= (after.last_checkin or dt.date.min)


@given(st.dictionaries(st.integers(0, 29), st.integers(0, 10), max_size=30))
def test_the_sparkline_stays_inside_its_box(moods):
    start = dt.date(2026, 11, 1)
    points = sparkline_points(
        [(start + dt.timedelta(days=d), m) for d, m in moods.items()], start=start
    ).split()
    assert len(points) == len(moods)
    for point in points:
        x, y = map(float, point.split(","))
        assert 0 <= x <= SPARK_WIDTH
        assert 0 <= y <= SPARK_HEIGHT


scopes = st.tuples(st.booleans(), st.booleans(), st.none() | st.integers(0, 60))


@given(before=scopes, after=scopes)
def test_only_a_change_that_shows_more_or_for_longer_counts_as_widening(before, after):
    base = dt.date(2026, 12, 1)
    share = Share(
        scope=(Scope.TRENDS if before[0] else Scope(0)) | (Scope.NOTES if before[1] else Scope(0)),
        expires_on=None if before[2] is None else base + dt.timedelta(days=before[2]),
    )
    new_end = None if after[2] is None else base + dt.timedelta(days=after[2])
    widens = share_widens(
        share=share,
        scope=(Scope.TRENDS if after[0] else Scope(0)) | (Scope.NOTES if after[1] else Scope(0)),
        expires_on=new_end,
    )
    shows_more = (after[0] and not before[0]) or (after[1] and not before[1])
    lasts_longer = before[2] is not None and (after[2] is None or after[2] > before[2])
    assert widens == (shows_more or lasts_longer)
