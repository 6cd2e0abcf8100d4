"""The registry of check-in measures (journal/measures.py): adding a measure is one entry there
plus the migration makemigrations writes. Proved by adding one, "focus", in a fresh process (the
models are built from the registry when Django starts, so it cannot be added in this one) and
checking what the rest of Tideline made of it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from journal import early_warning, measures
from journal.forms import CheckInForm
from journal.models import CheckIn, WeeklySummary
from journal.services import CHECKIN_VALUE_FIELDS

BASE = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def with_focus(tmp_path_factory) -> dict:
    database = tmp_path_factory.mktemp("measure") / "scratch.sqlite3"
    env = {**os.environ, "TIDELINE_TEST_EXTRA_MEASURE": "focus", "TIDELINE_TESTING": "true"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.journal.added_measure", str(database)],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_one_entry_asks_makemigrations_for_the_column_and_its_range(with_focus):
    migration = with_focus["migration"]
    assert with_focus["in_registry"]
    assert "Add field focus to checkin" in migration
    assert "checkin_focus_0_10" in migration
    assert "focus_mean" in migration  # the weekly summary keeps its mean


def test_the_form_asks_for_it_and_a_check_in_keeps_it(with_focus):
    assert with_focus["form_has_field"] and with_focus["form_has_label"]
    assert with_focus["post_status"] == 302
    assert with_focus["saved_value"] == 7


def test_the_weekly_summary_the_export_the_early_warning_rule_and_the_database_know_it(
    with_focus,
):
    assert with_focus["weekly_mean"] == 7.0
    assert with_focus["charted"]  # a line on "Other areas"
    assert with_focus["export_has_column"]
    assert with_focus["warning_area"]
    assert with_focus["constraint"]


def test_without_the_test_switch_the_registry_is_the_shipped_one():
    # This process did not ask for the extra measure: nothing of "focus" exists here.
    assert "focus" not in measures.BY_NAME
    assert not hasattr(CheckIn, "focus")


def test_every_measure_reaches_the_model_the_form_the_export_and_the_rule(db):
    form = CheckInForm(activities=None, integration=False)
    for measure in measures.MEASURES:
        assert CheckIn._meta.get_field(measure.name)
        assert measure.name in form.fields
        assert measure.name in CHECKIN_VALUE_FIELDS
        for column in measure.weekly_columns():
            assert WeeklySummary._meta.get_field(column)
    areas = {a.field for a in early_warning.AREAS} | {m.name for m in early_warning.CHOICE_AREAS}
    assert areas == {m.name for m in measures.WARNING_AREAS}
