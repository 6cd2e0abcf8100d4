"""Mutation testing of Tideline's critical modules with mutmut 3 (`make mutate`).

    python tools/mutate.py                 every critical module, one after the other
    python tools/mutate.py early_warning   one of them (the names are the keys of MODULES)
    python tools/mutate.py --list          the names, their files and their tests

Each module runs in a scratch copy of the tracked files (`var/mutate/<name>/`), with a
`setup.cfg` written for it: mutmut mutates only that module's files and runs only the tests
that cover them (and, per mutant, only those of them that reach the mutated function), so one
module finishes in minutes on two cores. The worktree itself is never changed. The counts are
printed as a line per module and written to `var/mutate/<name>/summary.json`; the surviving
mutants are listed there by name (`cd var/mutate/<name> && mutmut show <mutant>`). TESTING.md
holds the kill rates last measured and the review of each survivor.

Not part of CI: it is minutes to an hour of CPU. Tests need PostgreSQL as the suite does; the
test database is `test_<DATABASE_URL's name>_mutate`, so a mutation run and an ordinary test run
can go on side by side.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / "var" / "mutate"
# mutmut's own launcher, not `python -m mutmut`: that would put the scratch copy's unmutated
# modules first on sys.path, and no test would ever meet a mutant.
MUTMUT = str(Path(sys.executable).parent / "mutmut")


@dataclass(frozen=True)
class Module:
    files: tuple[str, ...]  # what mutmut mutates
    tests: tuple[str, ...]  # the tests run against each mutant
    # Tests left out of the mutation run only (CI runs them): property tests of many examples
    # whose edges tests/test_clinical_edges.py pins in a few milliseconds.
    deselect: tuple[str, ...] = ()
    # More pytest arguments for this module: `-m "not django_db"` for a pure module whose
    # tests need no database, so no mutant pays for setting one up (seconds each on 2 cores).
    pytest_args: tuple[str, ...] = ()


MODULES: dict[str, Module] = {
    "access": Module(
        ("careteam/access.py", "journal/access.py"),
        (
            "tests/careteam/test_access_matrix.py",
            "tests/careteam/test_access_log.py",
            "tests/careteam/test_patient_pages.py",
            "tests/careteam/test_sharing.py",
            "tests/journal/test_two_patients.py",
            "tests/test_time_zones.py",
        ),
    ),
    "questionnaires": Module(
        ("journal/questionnaires.py",),
        (
            "tests/journal/test_questionnaire_scoring.py",
            "tests/journal/test_questionnaires.py",
            "tests/test_clinical_edges.py",
        ),
        pytest_args=("-m", "not django_db"),
    ),
    "early_warning": Module(
        ("journal/early_warning.py",),
        (
            "tests/journal/test_early_warning_rule.py",
            "tests/journal/test_early_warning_signals.py",
            "tests/test_clinical_edges.py",
        ),
        deselect=(
            "tests/journal/test_early_warning_rule.py::test_no_dip_of_one_to_three_days_ever_signals",
            "tests/journal/test_early_warning_rule.py::"
            "test_every_three_week_slide_across_several_areas_signals",
        ),
        pytest_args=("-m", "not django_db"),
    ),
    "courses": Module(
        ("journal/courses.py",),
        ("tests/journal/test_course_rules.py", "tests/test_clinical_edges.py"),
        pytest_args=("-m", "not django_db"),
    ),
    "weekly": Module(
        ("journal/weekly.py",),
        (
            "tests/journal/test_trends_weekly.py",
            "tests/journal/test_trends_finished_week.py",
            "tests/journal/test_two_patients.py",
            "tests/test_time_zones.py",
        ),
    ),
    "reminders": Module(
        ("journal/reminders/due.py",),
        (
            "tests/journal/test_reminders.py",
            "tests/journal/test_reminders_sweep.py",
            "tests/journal/test_two_patients.py",
            "tests/test_time_zones.py",
            "tests/test_clinical_edges.py",
        ),
    ),
    "checkin": Module(
        ("journal/services.py",),
        (
            "tests/journal/test_checkin.py",
            "tests/journal/test_checkin_form_rules.py",
            "tests/journal/test_sessions_and_safety_plan.py",
            "tests/journal/test_questionnaires.py",
            "tests/journal/test_two_patients.py",
            "tests/test_clinical_edges.py",
        ),
    ),
    "export": Module(
        ("journal/export.py", "journal/export_zip.py", "journal/fhir.py"),
        (
            "tests/journal/test_export.py",
            "tests/journal/test_export_zip.py",
            "tests/journal/test_fhir.py",
            "tests/journal/test_two_patients.py",
        ),
    ),
    "emails": Module(
        ("accounts/emails.py",),
        (
            "tests/accounts/test_emails.py",
            "tests/test_emails_no_health_data.py",
        ),
    ),
}


def _tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, text=False
    ).stdout
    return [p for p in out.decode().split("\0") if p]


def _scratch_copy(name: str) -> Path:
    """A copy of the tracked files (and this worktree's changes to them) to run mutmut in."""
    work = SCRATCH / name
    if work.exists():
        shutil.rmtree(work)
    for path in _tracked_files():
        source = ROOT / path
        if not source.is_file():
            continue  # deleted in the worktree
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return work


def _setup_cfg(module: Module, work: Path) -> str:
    """mutmut reads `[mutmut]` in setup.cfg when pyproject.toml has no `[tool.mutmut]`.

    The whole project is copied into mutmut's `mutants/` folder (every app is imported by the
    tests) and only the module's files are mutated. `--reuse-db` keeps one test database for
    every mutant instead of migrating a new one each time; `-p no:randomly` and `-x` make each
    run short and repeatable.
    """
    lines = [
        "[mutmut]",
        "source_paths =",
        "    accounts",
        "    careteam",
        "    config",
        "    journal",
        "only_mutate =",
        *(f"    {f}" for f in module.files),
        "also_copy =",
        "    manage.py",
        "    templates",
        "    static",
        "    tests",
        "pytest_add_cli_args =",
        "    -p",
        "    no:randomly",
        "    --reuse-db",
        "    -x",
        "    -q",
        *(f"    --deselect={t}" for t in module.deselect),
        *(f"    {a}" for a in module.pytest_args),
        "pytest_add_cli_args_test_selection =",
        *(f"    {t}" for t in module.tests if (work / t).exists()),
        "use_git_change_detection = false",
        "",
    ]
    return "\n".join(lines)


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    url = env.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        # Its own test database (pytest-django adds "test_"), so an ordinary test run of the
        # same worktree does not meet the mutants' one.
        env["DATABASE_URL"] = url.rstrip("/") + "_mutate"
    # Its own cache keys too: every test clears the keys under its prefix (rate limits), and a
    # test run beside a mutation run would see its counters wiped mid-test.
    env["CACHE_KEY_PREFIX"] = env.get("CACHE_KEY_PREFIX", "tideline") + "_mutate"
    env.setdefault("CI", "true")
    return env


def _results(work: Path, env: dict[str, str]) -> dict[str, list[str]]:
    out = subprocess.run(
        [MUTMUT, "results", "--all", "true"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    by_status: dict[str, list[str]] = {}
    for line in out.splitlines():
        mutant, sep, status = line.strip().rpartition(": ")
        if sep:
            by_status.setdefault(status.strip(), []).append(mutant.strip())
    return by_status


def run(name: str) -> dict:
    module = MODULES[name]
    work = _scratch_copy(name)
    # pyproject.toml has no [tool.mutmut]: the module's setup.cfg decides.
    (work / "setup.cfg").write_text(_setup_cfg(module, work))
    env = _environment()
    children = os.environ.get("MUTATE_CHILDREN", "1")
    print(f"== {name}: {', '.join(module.files)} (in {work.relative_to(ROOT)})", flush=True)
    subprocess.run(
        [MUTMUT, "run", "--max-children", children],
        cwd=work,
        env=env,
        check=False,
    )
    by_status = _results(work, env)
    killed = len(by_status.get("killed", [])) + len(by_status.get("timeout", []))
    survived = by_status.get("survived", [])
    no_tests = by_status.get("no tests", [])
    total = sum(len(v) for v in by_status.values())
    scored = killed + len(survived) + len(no_tests)
    summary = {
        "module": name,
        "files": list(module.files),
        "mutants": total,
        "killed": killed,
        "survived": survived,
        "no_tests": no_tests,
        "other": {k: len(v) for k, v in by_status.items() if k not in {"killed", "timeout"}},
        "kill_rate": round(100 * killed / scored, 1) if scored else None,
    }
    (work / "summary.json").write_text(json.dumps(summary, indent=2))
    print(
        f"== {name}: {killed} of {scored} mutants killed ({summary['kill_rate']}%), "
        f"{len(survived)} survived, {len(no_tests)} not reached by any test",
        flush=True,
    )
    return summary


def main(argv: list[str]) -> int:
    if argv[:1] == ["--list"]:
        for name, module in MODULES.items():
            print(f"{name}: {' '.join(module.files)}\n    tests: {' '.join(module.tests)}")
        return 0
    names = argv or list(MODULES)
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        print(f"Unknown module {', '.join(unknown)}; choose from {', '.join(MODULES)}.")
        return 2
    for name in names:
        run(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
