"""`manage.py import_daylio EMAIL FILE [--map LABEL=SCORE ...] [--dry-run]`: the preview it
prints, its exit codes, and that it saves nothing unless everything is settled."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from journal.models import CheckIn
from tests.journal.daylio_files import export, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def daylio_file(tmp_path, patient):
    today = patient.today()

    def write(*extra_rows):
        path = tmp_path / "daylio_export.csv"
        rows = [
            row(today, "9:00 PM", "good", ["walk"], "evening"),
            row(today, "8:00 AM", "Stormy", [], "morning"),
            row(today - dt.timedelta(days=1), "10:00 pm", "rad", ["work"]),
            *extra_rows,
        ]
        path.write_bytes(export(*rows))
        return path

    return write


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_daylio", *map(str, args), stdout=out)
    return out.getvalue()


def test_an_unmapped_label_prints_the_preview_and_exits_3_saving_nothing(patient, daylio_file):
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_daylio", patient.email, str(daylio_file()), stdout=out)

    assert failed.value.returncode == 3
    assert "Stormy" in str(failed.value)
    printed = out.getvalue()
    assert "Daylio export: 3 entries on 2 days" in printed
    assert "good: 1 entries -> 7 (Daylio's default)" in printed
    assert "Stormy: 1 entries -> UNMAPPED: add --map" in printed
    assert "walk: 1 entries -> tag 'walk' (new)" in printed
    assert not CheckIn.objects.exists()


def test_a_bad_line_exits_4_unless_told_to_skip_it(patient, daylio_file):
    path = daylio_file(row(patient.today() - dt.timedelta(days=2), "99:99", "meh"))
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_daylio", patient.email, str(path), "--map", "Stormy=3", stdout=out)

    assert failed.value.returncode == 4
    assert "line 5: its time, “99:99”, can't be read" in out.getvalue()
    assert not CheckIn.objects.exists()

    printed = run(patient.email, path, "--map", "stormy=3", "--skip-bad-lines")
    assert "Saved 2 days: 2 new" in printed
    assert "Stormy: 1 entries -> 3 (--map)" in printed


def test_a_dry_run_saves_nothing_and_a_real_run_prints_what_it_saved(patient, daylio_file):
    path = daylio_file()

    assert "Dry run: nothing saved." in run(patient.email, path, "--map", "Stormy=3", "--dry-run")
    assert not CheckIn.objects.exists()

    printed = run(patient.email, path, "--map", "Stormy=3")
    assert "Saved 2 days: 2 new, 0 replaced" in printed and "2 new tags" in printed
    today = CheckIn.objects.get(patient=patient, day=patient.today())
    assert today.mood == 5  # (7 + 3) / 2
    assert "Days already in the journal: 2 (left alone)." in run(
        patient.email, path, "--map", "Stormy=3"
    )
    assert CheckIn.objects.filter(patient=patient).count() == 2


@pytest.mark.parametrize("mapping", ["Stormy", "Stormy=11", "=4", "Stormy=-1", "Stormy=two"])
def test_a_map_that_is_not_label_equals_score_is_a_usage_error(patient, daylio_file, mapping):
    with pytest.raises(CommandError) as failed:
        run(patient.email, daylio_file(), "--map", mapping)
    assert failed.value.returncode == 2
    assert not CheckIn.objects.exists()


def test_unknown_people_and_unreadable_files_exit_1(patient, clinician, tmp_path, daylio_file):
    for email, path in (
        ("nobody@example.test", daylio_file()),
        (clinician.email, daylio_file()),  # care-team accounts have no journal
        (patient.email, tmp_path / "missing.csv"),
    ):
        with pytest.raises(CommandError) as failed:
            run(email, path)
        assert failed.value.returncode == 1
    other = tmp_path / "other.csv"
    other.write_text("name,score\nsam,3\n")
    with pytest.raises(CommandError, match="doesn't look like a Daylio export") as failed:
        run(patient.email, other)
    assert failed.value.returncode == 1


@pytest.mark.django_db(transaction=True)
def test_the_shell_sees_the_exit_codes(patient, daylio_file):
    """As a script runs it: a real `manage.py` process on the test database."""
    import subprocess
    import sys

    from tests.conftest import BASE_DIR, _worker_env

    path = daylio_file()

    def shell(*args):
        return subprocess.run(
            [sys.executable, "manage.py", "import_daylio", patient.email, str(path), *args],
            cwd=BASE_DIR,
            env=_worker_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )

    unmapped = shell()
    assert unmapped.returncode == 3, unmapped.stderr
    assert "UNMAPPED" in unmapped.stdout and not CheckIn.objects.exists()
    saved = shell("--map", "Stormy=3")
    assert saved.returncode == 0, saved.stderr
    assert "Saved 2 days" in saved.stdout
    assert CheckIn.objects.filter(patient=patient).count() == 2
