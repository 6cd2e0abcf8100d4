"""Backups restore: `manage.py backup_check` dumps the database, restores it into a scratch
database and compares every table's rows; a dump that no longer matches is refused."""

import datetime as dt
import io
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from journal.models import CheckIn
from tests.factories import daily_history, scored_questionnaire
from tests.services import require_postgres


def scratch_databases() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", ["%restore_check%"])
        return [
            name
            for (name,) in cursor.fetchall()
            if name.startswith(connection.settings_dict["NAME"])
        ]


@pytest.mark.django_db(transaction=True)
def test_a_fresh_dump_restores_with_every_row(patient, other_patient):
    require_postgres()
    for person, days in ((patient, 30), (other_patient, 12)):
        daily_history(person, days=days, end=person.today() - dt.timedelta(days=1))
        scored_questionnaire(person, "phq9", 9, person.today())
    out = io.StringIO()

    call_command("backup_check", stdout=out)

    text = out.getvalue()
    assert "restore check passed" in text
    assert "row counts match the live database" in text
    checkin_line = next(line for line in text.splitlines() if line.startswith("journal_checkin "))
    assert checkin_line.split()[1:] == ["42", "42"]
    assert scratch_databases() == []  # dropped afterwards


@pytest.mark.django_db(transaction=True)
def test_a_dump_that_lost_rows_is_refused(patient, tmp_path):
    require_postgres()
    daily_history(patient, days=5, end=patient.today() - dt.timedelta(days=1))
    dump = tmp_path / "old.dump"
    call_command("backup_check", stdout=io.StringIO())  # the tool works on this database
    db = connection.settings_dict
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", "-h", db["HOST"] or "127.0.0.1",
         "-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres", db["NAME"]],
        check=True,
    )  # fmt: skip
    CheckIn.objects.create(patient=patient, day=patient.today(), mood=5)  # after the backup

    with pytest.raises(CommandError, match="journal_checkin"):
        call_command("backup_check", dump=str(dump), compare_live=True, stdout=io.StringIO())
    # Without comparing, the same dump restores and is listed.
    out = io.StringIO()
    call_command("backup_check", dump=str(dump), stdout=out)
    assert "restore check passed" in out.getvalue()
    assert scratch_databases() == []
