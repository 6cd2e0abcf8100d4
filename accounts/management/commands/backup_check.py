"""Prove a backup restores: restore a pg_dump into a scratch database and check its row counts.

    manage.py backup_check                    # dump this database now, restore it, compare
    manage.py backup_check --dump FILE        # restore a dump you took (pg_dump -Fc), list counts
    manage.py backup_check --dump FILE --compare-live   # ... and compare with the live database

Without --dump, the live counts and the dump come from one snapshot (pg_export_snapshot, then
pg_dump --snapshot), so they must match exactly even while people keep writing. The scratch
database (`<name>_restore_check_<random>`) is dropped afterwards unless --keep. PostgreSQL only.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from psycopg import sql


def _tables() -> list[str]:
    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
    )


def _counts(conn, tables: list[str]) -> dict[str, int | None]:
    counts: dict[str, int | None] = {}
    with conn.cursor() as cursor:
        for table in tables:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
            if not cursor.fetchone()[0]:
                counts[table] = None  # the table is not there at all
                continue
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            counts[table] = cursor.fetchone()[0]
    return counts


class Command(BaseCommand):
    help = "Restore a pg_dump into a scratch database and check its row counts."

    def add_arguments(self, parser):
        parser.add_argument("--dump", help="A pg_dump custom-format file (default: dump now).")
        parser.add_argument(
            "--compare-live",
            action="store_true",
            help="With --dump: the live database must hold the same counts.",
        )
        parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")

    def handle(self, *args, dump=None, compare_live=False, keep=False, **options):
        settings_dict = connections["default"].settings_dict
        if connections["default"].vendor != "postgresql":
            raise CommandError(
                "backup_check needs PostgreSQL. The embedded SQLite file is backed up by "
                "copying it with `sqlite3 var/tideline.sqlite3 '.backup backup.sqlite3'`."
            )
        self.conninfo = {
            "host": settings_dict.get("HOST") or "127.0.0.1",
            "port": str(settings_dict.get("PORT") or 5432),
            "user": settings_dict.get("USER") or "postgres",
            "password": settings_dict.get("PASSWORD") or "",
        }
        self.env = {
            **os.environ,
            "PGHOST": self.conninfo["host"],
            "PGPORT": self.conninfo["port"],
            "PGUSER": self.conninfo["user"],
            "PGPASSWORD": self.conninfo["password"],
        }
        name = settings_dict["NAME"]
        tables = _tables()
        scratch = f"{name}_restore_check_{uuid.uuid4().hex[:8]}"
        with tempfile.TemporaryDirectory() as folder:
            live = None
            if dump is None:
                dump = str(Path(folder) / "tideline.dump")
                live = self._dump_with_counts(name, dump, tables)
            elif compare_live:
                with self._connect(name) as conn:
                    live = _counts(conn, tables)
            self._run("createdb", "--template=template0", scratch)
            try:
                self._run(
                    "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                    f"--dbname={scratch}", dump,
                )  # fmt: skip
                with self._connect(scratch) as conn:
                    restored = _counts(conn, tables)
            finally:
                if not keep:
                    self._run("dropdb", "--if-exists", scratch)
        self._report(restored, live, scratch if keep else None)

    def _connect(self, dbname: str):
        info = self.conninfo
        return psycopg.connect(
            dbname=dbname,
            host=info["host"],
            port=info["port"],
            user=info["user"],
            password=info["password"],
        )

    def _run(self, *argv: str) -> None:
        # Our own argv: the PostgreSQL client programs and names this command made.
        done = subprocess.run(argv, env=self.env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode:
            raise CommandError(f"{argv[0]} failed: {done.stderr.strip()[-2000:]}")

    def _dump_with_counts(self, name: str, dump: str, tables: list[str]) -> dict:
        """Count and dump from one snapshot: held open by this transaction until pg_dump ends."""
        with self._connect(name) as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            live = _counts(conn, tables)
            self._run(
                "pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", name
            )
            conn.rollback()
        return live

    def _report(self, restored: dict, live: dict | None, kept: str | None) -> None:
        missing = [t for t, n in restored.items() if n is None]
        differ = (
            [t for t in restored if restored[t] != live.get(t)] if live is not None else missing
        )
        for table, count in restored.items():
            line = f"{table:45} {'missing' if count is None else count:>10}"
            if live is not None:
                line += f" {'' if live[table] is None else live[table]:>10}"
            self.stdout.write(line)
        if kept:
            self.stdout.write(f"scratch database kept: {kept}")
        if differ:
            raise CommandError(f"restore check failed: counts differ or missing in {differ}")
        rows = sum(n or 0 for n in restored.values())
        what = "row counts match the live database" if live is not None else "restored"
        self.stdout.write(
            self.style.SUCCESS(f"restore check passed: {len(restored)} tables, {rows} rows, {what}")
        )
