"""Daylio import benchmark: ten years of Daylio (about 6,000 entries over 3,650 days) brought
into a new account on the embedded defaults (SQLite, no Redis), against a floor measured in the
same run.

Run by hand (not part of the test suite), from the project root, one benchmark at a time:

    flock /tmp/tideline-bench.lock .venv/bin/python bench/imports.py

It makes a fresh SQLite database in a temporary folder (the settings' own SQLite options: WAL,
IMMEDIATE transactions), migrates it, and per round, for a new patient each time:

  parse:   reading the file (journal.imports.jobs.read_upload) and its preview;
  import:  journal.imports.save.import_file with the preview's default choices: every day
           through the check-in form's own rules, tags made, one transaction (what the Celery
           task runs; the goal is under 10 s);
  again:   the same file imported again into the same account (nothing new is written);
  refresh: the task that follows an import: every week of the patient's, then warning signs;
  floor:   the same check-ins and tag rows written with two bulk_create calls in one
           transaction: the least any import must do to put these rows in the database.

Each figure is the median over rounds, printed in seconds and as a ratio to the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=6000, help="Daylio entries in the file")
    p.add_argument("--rounds", type=int, default=5)
    return p.parse_args()


def setup(folder: Path) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["ENV_FILE"] = ""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def floor(patient, planned: list) -> float:
    """The same rows, bulk-created in one transaction."""
    from django.db import transaction

    from journal.models import CheckIn, CheckInActivity

    def write():
        with transaction.atomic():
            rows = CheckIn.objects.bulk_create(
                [CheckIn(patient=patient, day=day, **data.as_fields()) for day, data in planned],
                batch_size=500,
            )
            CheckInActivity.objects.bulk_create(
                [
                    CheckInActivity(checkin=c, activity=a, day=c.day)
                    for c, (_, data) in zip(rows, planned, strict=True)
                    for a in data.activities
                ],
                batch_size=500,
            )

    seconds, _ = timed(write)
    return seconds


def one_round(data: bytes, n: int) -> dict[str, float]:
    from accounts.models import User
    from journal.imports.jobs import read_upload
    from journal.imports.preview import planned_days, preview
    from journal.imports.save import import_file, tags_for_import
    from journal.models import CheckIn, CheckInActivity
    from journal.signals import history_refresh

    patient = User.objects.create_user(f"bench{n}@example.test", time_zone="UTC")
    t0 = time.perf_counter()
    _, parsed = read_upload(data, today=patient.today())
    shown = preview(patient, parsed)
    t1 = time.perf_counter()
    choices = shown.default_choices()
    result = import_file(patient=patient, parsed=parsed, choices=choices)
    t2 = time.perf_counter()
    again = import_file(patient=patient, parsed=parsed, choices=choices)
    t3 = time.perf_counter()
    history_refresh(patient_id=patient.pk)
    t4 = time.perf_counter()
    assert result.counts.created == shown.days and again.counts.kept == shown.days

    # The floor: the same planned rows, for a second new patient.
    other = User.objects.create_user(f"floor{n}@example.test", time_zone="UTC")
    tags = tags_for_import(patient=other, names=sorted(set(choices.tags.values())))
    t_floor = floor(other, planned_days(parsed, choices, tags))
    assert CheckIn.objects.filter(patient=other).count() == shown.days
    tagged = CheckInActivity.objects.filter(checkin__patient=patient).count()
    figures = {
        "parse": t1 - t0,
        "import": t2 - t1,
        "again": t3 - t2,
        "refresh": t4 - t3,
        "floor": t_floor,
    }
    print(
        f"round {n + 1}: {shown.days} days, {tagged} tags; "
        + ", ".join(f"{k} {v:.2f} s" for k, v in figures.items())
    )
    return figures


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="tl-bench-import-") as folder:
        setup(Path(folder))
        from django import db

        from tests.journal.daylio_files import ten_years

        end = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
        data = ten_years(end, rows=args.rows)
        print(f"file: {args.rows} entries, {len(data) / 1e6:.2f} MB; {db.connection.vendor}")
        rounds = [one_round(data, n) for n in range(args.rounds)]
        base = statistics.median(r["floor"] for r in rounds)
        print("\nmedian over rounds (ratio to the floor):")
        for name in rounds[0]:
            values = [r[name] for r in rounds]
            m = statistics.median(values)
            print(
                f"  {name:8} {m:6.2f} s  {m / base:5.1f}x"
                f"   (min {min(values):.2f}, max {max(values):.2f})"
            )
        total = statistics.median(r["parse"] + r["import"] for r in rounds)
        print(f"  parse+preview+import: {total:.2f} s (goal: under 10 s)")


if __name__ == "__main__":
    main()
