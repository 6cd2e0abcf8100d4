"""The full CSV download: one ZIP with a CSV per table the patient owns and a README.txt naming
every column. Made on request, in memory, in a fixed number of queries whatever the length of
the history, and sent to the patient's browser only (never written to disk, logged or emailed).

`TABLES` is the one list of the journal's tables: a new kind of record (a medication, an
after-effect) adds a builder there and its rows, columns and README lines follow. The care-team
app adds its own (shares, who viewed my data) through the journal's port. Every check-in column
comes from the measures registry (`journal.measures`). The import reads these files back
(journal/imports/tideline.py), so a round trip keeps every check-in, session and score.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from . import measures
from .access import EVERYTHING, Grant
from .after_session import EFFECTS
from .care import care_teams
from .course_outcomes import courses_for
from .models import (
    Activity,
    CheckIn,
    Medication,
    QuestionnaireResponse,
    SafetyPlan,
    SessionCheck,
    TreatmentSession,
)
from .questionnaires import SPECS
from .tabular import Column, Table, cell

ZIP_FORMAT = "tideline-zip/1"
# The most items an instrument has (PHQ-9): questionnaires.csv has one column per item.
MAX_ITEMS = max(len(spec.items) for spec in SPECS.values())


def _measure_meaning(m: measures.Measure) -> str:
    if m.kind is measures.Kind.CHOICE:
        answers = ", ".join(f"{value} ({words})" for value, words in m.choices)
        return f"{m.label}: one of {answers}; empty if not answered"
    if m.kind is measures.Kind.RATING:
        answers = ", ".join(f"{value} = {words}" for value, words in m.choices)
        return f"{m.label}: {answers}; empty if not answered"
    if m.kind is measures.Kind.HOURS:
        return f"{m.label}: hours, {m.low:g} to {m.high:g}, one decimal; empty if not answered"
    ends = f" ({m.hint})" if m.hint else ""
    required = "" if m.required else "; empty if not answered"
    return f"{m.label}: {m.low:g} to {m.high:g}{ends}{required}"


CHECKIN_COLUMNS = (
    Column("day", "The day (your own calendar date), YYYY-MM-DD"),
    *(Column(m.name, _measure_meaning(m)) for m in measures.MEASURES),
    Column(
        "self_harm_thoughts",
        "Thoughts of hurting yourself that day: yes, no, or empty if not answered",
    ),
    Column("note", "Your note for the day"),
    Column("integration_shifted", "After a session: what shifted"),
    Column("integration_carry_forward", "After a session: what you want to carry forward"),
    Column("activities", "The day's activity tags, separated by '; '"),
)


def checkins_table(patient) -> Table:
    rows = (
        CheckIn.objects.for_patient(patient)
        .order_by("day")
        .prefetch_related(Prefetch("activities", queryset=Activity.objects.order_by("name")))
    )
    values = [c.name for c in CHECKIN_COLUMNS[:-1]]
    return Table(
        "checkins",
        "One row per day you checked in.",
        CHECKIN_COLUMNS,
        [
            [*(getattr(c, name) for name in values), "; ".join(a.name for a in c.activities.all())]
            for c in rows
        ],
    )


def own_tags_table(patient) -> Table:
    names = Activity.objects.filter(owner=patient).order_by("name").values_list("name", flat=True)
    return Table(
        "own_tags",
        "One row per activity tag you made yourself (the built-in ones are not listed).",
        (Column("name", "The tag as you named it"),),
        [[name] for name in names],
    )


SESSION_COLUMNS = (
    Column("day", "The day of the session (your own calendar date), YYYY-MM-DD"),
    Column("started_at", "When it started, in your time zone, with its offset from UTC"),
    Column(
        "kind",
        "iv, im, oral, nasal or other (IV infusion, IM injection, at-home oral or "
        "sublingual, esketamine nasal spray, other)",
    ),
    Column("dose", "The dose, as you wrote it"),
    Column("provider", "Who gave it, as you wrote it"),
    Column("intention", "Your intention before the session"),
    Column("insights", "Your insights after it"),
)


def sessions_table(patient) -> Table:
    zone = patient.zoneinfo
    rows = TreatmentSession.objects.for_patient(patient).order_by("started_at")
    return Table(
        "sessions",
        "One row per treatment session.",
        SESSION_COLUMNS,
        [
            [
                s.day,
                s.started_at.astimezone(zone),
                s.kind,
                s.dose,
                s.provider,
                s.intention,
                s.insights,
            ]
            for s in rows
        ],
    )


COURSE_COLUMNS = (
    Column("course", "The course's number: 1 for your first"),
    Column("kind", "induction, maintenance (or boosters) or other"),
    Column("medication", "The medication, as you wrote it"),
    Column("route", "How it is given: iv, im, oral, nasal or other"),
    Column("started_on", "The day of its first session, YYYY-MM-DD"),
    Column("ended_on", "The day it ended; empty while it goes on"),
    Column("planned_sessions", "How many sessions were planned, if you said"),
    Column("sessions_done", "Sessions that have happened"),
    Column(
        "baseline_phq9",
        "The PHQ-9 the course is measured from: the last one in the 30 days up to its first "
        "session, or, when there was none, the first one after it",
    ),
    Column("baseline_day", "The day of that PHQ-9"),
    Column("baseline_before_treatment", "yes if it came before the first session, no if after"),
    Column("response_on", "The first day a PHQ-9 was half the baseline or lower"),
    Column("remission_on", "The first day a PHQ-9 was under 5"),
    Column("latest_phq9", "The latest PHQ-9 during the course"),
)


def courses_table(patient) -> Table:
    """Each course with the numbers Tideline works out for it (journal/courses.py), so a
    download says what the pages said."""
    rows = courses_for([patient.pk]).get(patient.pk, [])
    out: list[Sequence[Any]] = []
    for r in rows:
        o, c, base = r.outcome, r.course, r.outcome.baseline.point
        out.append(
            [
                r.number,
                c.kind,
                c.medication,
                c.route,
                r.span.first_day,
                c.ended_on,
                c.planned_sessions,
                r.sessions_done,
                base.total if base else None,
                base.day if base else None,
                ("yes" if o.baseline.before_treatment else "no") if base else None,
                o.response_on,
                o.remission_on,
                o.latest.total if o.latest else None,
            ]
        )
    return Table(
        "courses",
        "One row per treatment course (your sessions grouped: an induction, then maintenance).",
        COURSE_COLUMNS,
        out,
    )


MEDICATION_COLUMNS = (
    Column("medication", "Its name, as you wrote it"),
    Column("day", "The day of this row, YYYY-MM-DD"),
    Column("what", "start (with its first dose), change (a new dose from this day) or stop"),
    Column("dose", "The dose, a number; empty if you gave none"),
    Column("unit", "The unit of the dose, as you wrote it"),
    Column("how_often", "How often, as you wrote it (on the start row)"),
)


def medications_table(patient) -> Table:
    """One row per start, dose change and stop: the markers the charts show. Two queries."""
    rows: list[Sequence[Any]] = []
    for m in (
        Medication.objects.for_patient(patient)
        .order_by("started_on", "pk")
        .prefetch_related("changes")
    ):
        rows.append([m.name, m.started_on, "start", m.dose, m.unit, m.how_often])
        rows += [[m.name, c.day, "change", c.dose, c.unit, ""] for c in m.changes.all()]
        if m.stopped_on:
            rows.append([m.name, m.stopped_on, "stop", None, "", ""])
    return Table(
        "medications",
        "One row per start, dose change and stop of a medication you listed.",
        MEDICATION_COLUMNS,
        rows,
    )


SESSION_CHECK_COLUMNS = (
    Column("session_started_at", "When the session started, in your time zone"),
    Column("moment", "evening (the evening of the session) or next_day (the day after)"),
    Column("felt", "How the session felt overall, 0 (very hard) to 10 (very good)"),
    *(
        Column(f"effect_{key}", f"{words}: 0 none, 1 mild, 2 moderate, 3 severe")
        for key, words in EFFECTS
    ),
    Column("bp_before", "Blood pressure before, systolic/diastolic"),
    Column("bp_after", "Blood pressure after, systolic/diastolic"),
    Column("saved_at", "When you last saved it, in your time zone"),
    Column(
        "entered_by",
        "Empty when you entered it; otherwise the care team (and member) who entered it for you",
    ),
)


def _bp(high, low) -> str:
    return f"{high}/{low}" if high is not None and low is not None else ""


def _entered_by(check) -> str:
    if not check.by_team:
        return ""
    name = f" ({check.entered_by_name})" if check.entered_by_name else ""
    return f"Care team: {check.entered_by_team}{name}"


def session_checks_table(patient) -> Table:
    zone = patient.zoneinfo
    rows = (
        SessionCheck.objects.filter(patient=patient)
        .select_related("session")
        .order_by("session__started_at", "moment")
    )
    return Table(
        "session_checks",
        "One row per after-session self-check.",
        SESSION_CHECK_COLUMNS,
        [
            [
                c.session.started_at.astimezone(zone),
                c.moment,
                c.felt,
                *(c.effects.get(key, 0) for key, _ in EFFECTS),
                _bp(c.bp_before_systolic, c.bp_before_diastolic),
                _bp(c.bp_after_systolic, c.bp_after_diastolic),
                c.saved_at.astimezone(zone),
                _entered_by(c),
            ]
            for c in rows
        ],
    )


QUESTIONNAIRE_COLUMNS = (
    Column("day", "The day you filled it in (your own calendar date), YYYY-MM-DD"),
    Column("submitted_at", "When you sent it, in your time zone, with its offset from UTC"),
    Column("instrument", "phq9 (PHQ-9, mood) or gad7 (GAD-7, anxiety)"),
    Column("total", "The total score: PHQ-9 0 to 27, GAD-7 0 to 21"),
    Column("band", "The severity band of the total (minimal, mild, moderate, ...)"),
    *(
        Column(
            f"item_{n}",
            f"Your answer to question {n}: 0 Not at all, 1 Several days, 2 More than half the "
            "days, 3 Nearly every day" + ("; empty for the GAD-7, which has 7" if n > 7 else ""),
        )
        for n in range(1, MAX_ITEMS + 1)
    ),
)


def questionnaires_table(patient) -> Table:
    zone = patient.zoneinfo
    rows = QuestionnaireResponse.objects.for_patient(patient).order_by("day", "submitted_at")
    return Table(
        "questionnaires",
        "One row per PHQ-9 or GAD-7 you filled in, with each answer.",
        QUESTIONNAIRE_COLUMNS,
        [
            [
                q.day,
                q.submitted_at.astimezone(zone),
                q.instrument,
                q.total,
                q.band,
                *(list(q.answers) + [None] * MAX_ITEMS)[:MAX_ITEMS],
            ]
            for q in rows
        ],
    )


def _section_words(name: str) -> str:
    field = SafetyPlan._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def safety_plan_table(patient) -> Table:
    plan = SafetyPlan.objects.filter(patient=patient).first()
    columns = tuple(
        Column(name, f"Your safety plan: {_section_words(name)}") for name in SafetyPlan.SECTIONS
    )
    return Table(
        "safety_plan",
        "Your safety plan (Stanley-Brown), one row if you have one.",
        (*columns, Column("updated_at", "When you last changed it")),
        [[*(getattr(plan, n) for n in SafetyPlan.SECTIONS), plan.updated_at]] if plan else [],
    )


# The journal's tables, in the order the README lists them. Add a builder here for a new kind
# of record: its file and README lines follow.
TABLES: list[Callable] = [
    checkins_table,
    own_tags_table,
    sessions_table,
    courses_table,
    medications_table,
    session_checks_table,
    questionnaires_table,
    safety_plan_table,
]


def patient_tables(grant: Grant) -> list[Table]:
    """Every table the patient owns: the journal's, then the care-team app's (their shares and
    who viewed their data). Only ever the patient's own."""
    if not grant.is_own:
        raise PermissionError("only a patient exports their own journal")
    grant.require(EVERYTHING)
    patient = grant.patient
    return [build(patient) for build in TABLES] + care_teams().export_tables(patient)


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.header)
    writer.writerows([cell(value) for value in row] for row in table.rows)
    return out.getvalue()


def readme(tables: list[Table], *, exported_at) -> str:
    lines = [
        f"Your Tideline journal, downloaded {exported_at:%Y-%m-%d %H:%M} ({ZIP_FORMAT}).",
        "",
        "Each .csv file is one table: the first row names the columns, each row after it is one",
        "record. The files are UTF-8 text, separated by commas, and open in Excel, Numbers,",
        "LibreOffice or Google Sheets. A cell that starts with = + - @ or ' has an extra ' in",
        "front, so a spreadsheet shows it as text and never runs it as a formula.",
        "Tideline can read this ZIP back in: Settings > Bring your history in.",
        "Weekly summaries and warning signs are not here: Tideline works them out from the rest.",
    ]
    for table in tables:
        lines += ["", f"{table.name}.csv: {len(table.rows)} rows. {table.about}"]
        lines += [f"  {column.name}: {column.meaning}" for column in table.columns]
    return "\n".join(lines) + "\n"


def export_zip(grant: Grant) -> bytes:
    """The ZIP: README.txt and one CSV per table (UTF-8 with a byte-order mark, so Excel reads
    accents right)."""
    tables = patient_tables(grant)
    now = timezone.localtime(timezone.now(), grant.patient.zoneinfo)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(tables, exported_at=now))
        for table in tables:
            archive.writestr(f"{table.name}.csv", "\ufeff" + table_csv(table))
    return buffer.getvalue()
