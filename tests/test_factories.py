import pytest

from journal.access import Scope
from journal.models import CheckIn
from tests.factories import CheckInFactory, ShareFactory, daily_history


@pytest.mark.django_db
def test_daily_history_builds_consecutive_days_with_per_day_values(patient):
    rows = daily_history(patient, days=30, mood=lambda i: i % 11, energy=lambda i: 3)

    assert len(rows) == 30
    days = list(CheckIn.objects.for_patient(patient).order_by("day").values_list("day", flat=True))
    assert (days[-1] - days[0]).days == 29
    assert CheckIn.objects.get(patient=patient, day=days[10]).mood == 10


@pytest.mark.django_db
def test_factories_make_valid_rows():
    assert CheckInFactory().mood == 6
    share = ShareFactory()
    assert share.scope == Scope.TRENDS
