"""`manage.py import_daylio EMAIL FILE [--map LABEL=SCORE ...] [--dry-run]`: bring a Daylio
CSV export into a patient's journal, for admins and scripts. The same reading, preview, rules
and one transaction as the import page (journal/imports).

It prints the preview (entries, days, mood labels and their mapping, activities and their tags,
bad lines with reasons), then saves, or not:

  exit 0  saved (or, with --dry-run, would save: nothing is written)
  exit 1  no patient with that email, a file that cannot be read, or a record that breaks one
          of the journal's rules (nothing saved)
  exit 2  a usage error (a --map that is not LABEL=SCORE with a score from 0 to 10)
  exit 3  a mood label has no score: add --map LABEL=SCORE (nothing saved)
  exit 4  some lines can't be read: fix them, or add --skip-bad-lines (nothing saved)
  exit 5  another choice to settle, such as more new tags than a patient may keep
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from journal.imports import daylio
from journal.imports.parsed import FileProblem
from journal.imports.preview import Choices, Preview, preview, problems
from journal.imports.save import import_file


def _mapping(values: list[str]) -> dict[str, int]:
    moods = {}
    for value in values:
        label, sep, score = value.rpartition("=")
        label = " ".join(label.split())
        if not sep or not label or not score.strip().isdigit() or not 0 <= int(score) <= 10:
            raise CommandError(
                f"--map {value!r}: write LABEL=SCORE, with a whole score from 0 to 10, for "
                "example --map 'Stormy=3'.",
                returncode=2,
            )
        moods[label] = int(score)
    return moods


class Command(BaseCommand):
    help = "Import a Daylio CSV export into a patient's journal (see the module's docstring)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="the patient's sign-in address")
        parser.add_argument("file", type=Path, help="Daylio's 'Export entries (CSV)' file")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="LABEL=SCORE",
            help="a mood label's score from 0 to 10 (repeat for each label; Daylio's five "
            "default labels have one already)",
        )
        parser.add_argument("--dry-run", action="store_true", help="show the preview, save nothing")
        parser.add_argument(
            "--skip-bad-lines", action="store_true", help="leave out lines that can't be read"
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="replace days already in the journal (by default they are left alone)",
        )

    def handle(self, *args, **options) -> None:
        patient = User.objects.filter(
            email__iexact=options["email"].strip(), role=User.Role.PATIENT
        ).first()
        if patient is None:
            raise CommandError(f"No patient account has the address {options['email']}.")
        explicit = _mapping(options["map"])
        try:
            data = options["file"].read_bytes()
            parsed = daylio.parse(data, today=patient.today())
        except OSError as error:
            raise CommandError(f"Can't read {options['file']}: {error.strerror}.") from None
        except FileProblem as problem:
            raise CommandError(str(problem)) from None
        shown = preview(patient, parsed)
        choices = shown.default_choices()
        known = {m.label.lower(): m.label for m in shown.moods}
        for label, score in explicit.items():
            choices.moods[known.get(label.lower(), label)] = score
        choices.skip_bad = options["skip_bad_lines"]
        choices.overwrite = options["overwrite"]
        self._print_preview(shown, choices, explicit)

        unmapped = [m.label for m in shown.moods if m.label not in choices.moods]
        if unmapped:
            raise CommandError(
                "Nothing saved: give each mood label a score with --map LABEL=SCORE ("
                + ", ".join(unmapped)
                + ").",
                returncode=3,
            )
        if parsed.bad and not choices.skip_bad:
            raise CommandError(
                f"Nothing saved: {len(parsed.bad)} line(s) can't be read. Fix them, or add "
                "--skip-bad-lines to leave them out.",
                returncode=4,
            )
        left = problems(patient, parsed, choices)
        if left:
            raise CommandError("Nothing saved: " + " ".join(left), returncode=5)
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing saved.")
            return
        try:
            result = import_file(patient=patient, parsed=parsed, choices=choices)
        except ValidationError as error:
            raise CommandError("Nothing saved: " + " ".join(error.messages)) from None
        c = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Saved {c.created + c.replaced} days: {c.created} new, {c.replaced} replaced, "
                f"{c.unchanged} already the same, {c.kept} already in the journal left alone; "
                f"{len(result.tags_made)} new tags."
            )
        )

    def _print_preview(self, shown: Preview, choices: Choices, explicit: dict) -> None:
        out = self.stdout.write
        span = f", {shown.first} to {shown.last}" if shown.first else ""
        out(f"Daylio export: {shown.entries} entries on {shown.days} days{span}.")
        if shown.several_a_day:
            out(
                f"{shown.several_a_day} days have several entries; each becomes one check-in: "
                "the average mood (rounded, halves up), all their tags, the notes joined in "
                "the order of their times."
            )
        out(
            f"Days already in the journal: {shown.already_here} "
            + ("(to be replaced: --overwrite)." if choices.overwrite else "(left alone).")
        )
        out("Mood labels:")
        for m in shown.moods:
            score = choices.moods.get(m.label)
            if score is None:
                how = "UNMAPPED: add --map"
            elif m.label.lower() in {k.lower() for k in explicit}:
                how = f"{score} (--map)"
            else:
                how = f"{score} (Daylio's default)"
            out(f"  {m.label}: {m.entries} entries -> {how}")
        if shown.activities:
            out("Activities -> tags:")
            for a in shown.activities:
                target = choices.tags.get(a.name, "")
                what = (
                    "left out"
                    if not target
                    else (f"tag '{target}'" + ("" if a.existing else " (new)"))
                )
                out(f"  {a.name}: {a.entries} entries -> {what}")
        for note in shown.notes:
            out(note)
        if shown.bad:
            out(f"Lines that can't be read ({len(shown.bad)}):")
            for bad in shown.bad:
                out(f"  {bad}")
