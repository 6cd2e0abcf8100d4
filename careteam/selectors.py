"""Reads for care-team pages. Each loads a whole page in a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    CharField,
    Exists,
    JSONField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import User
from journal.access import Grant, Scope
from journal.after_session import Effects
from journal.course_outcomes import CourseRow, courses_for, current_course
from journal.measures import MOOD
from journal.models import CheckIn, QuestionnaireResponse, SessionCheck, Signal, TreatmentSession
from journal.questionnaires import band

from .access import shares_visible_to
from .models import ContactDetails, Outreach
from .outreach import answers, urgent_flags

SPARK_DAYS = 30
SPARK_WIDTH = 120
SPARK_HEIGHT = 32
RECENT_DAYS = 60
HISTORY_LIMIT = 50


def sparkline_points(moods: list[tuple[dt.date, int]], *, start: dt.date) -> str:
    """SVG polyline points for mood by day, x = day since `start`, the best mood at the top
    (the range is the registry's: journal.measures.MOOD)."""
    step = SPARK_WIDTH / (SPARK_DAYS - 1)
    pad = 2
    usable = SPARK_HEIGHT - 2 * pad
    low, high = MOOD.low, MOOD.high
    points = []
    for day, mood in sorted(moods):
        x = (day - start).days * step
        y = pad + usable * (high - mood) / (high - low)
        points.append(f"{x:.1f},{y:.1f}")
    return " ".join(points)


@dataclass
class DashboardRow:
    patient: User
    teams: list[str]
    sees_trends: bool
    sees_notes: bool
    # Thoughts of self-harm: a card still open, or one the patient rested by saying they are
    # safe now (in the last SIGNAL_CALM_DAYS days) that no one on the viewer's teams acted on.
    urgent: bool = False
    urgent_open: bool = False
    urgent_since: dt.datetime | None = None
    # The latest outreach by the viewer's teams after the last report, if any: "acted".
    acted_at: dt.datetime | None = None
    acted_by: str = ""
    acted_outcome: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    sliding: bool = False
    phq9_flag: bool = False
    # Thoughts of self-harm reported for a past day (journal/signals.py): shown, not urgent.
    past_report: bool = False
    last_checkin: dt.date | None = None
    days_since_checkin: int | None = None
    phq9_total: int | None = None
    phq9_band: str = ""
    gad7_total: int | None = None
    gad7_band: str = ""
    spark_points: str = ""
    spark_days: int = 0
    # The open course (else the latest) with its numbers: journal/courses.py.
    course: CourseRow | None = None
    # The latest session's self-check: the session's day and the after-effects noticed
    # (words, level).
    last_check_at: dt.date | None = None
    last_check_team: str = ""
    last_effects: list[tuple[str, str]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def spark_latest(self) -> tuple[str, str] | None:
        """Where the latest day sits on the sparkline: marked with a dot, so a single day (a
        line of one point draws nothing) still shows, and the eye finds "now"."""
        if not self.spark_points:
            return None
        x, y = self.spark_points.rsplit(" ", 1)[-1].split(",")
        return x, y

    @property
    def unacted(self) -> bool:
        return self.urgent and self.acted_at is None

    def sort_key(self):
        # Who needs attention first: thoughts of self-harm no one has acted on, the longest
        # waiting first; then those someone acted on; then a slide, then a PHQ-9 rise, then the
        # longest silence (never checked in counts as longest).
        return (
            not self.unacted,
            not self.urgent,
            self.urgent_since or dt.datetime.max.replace(tzinfo=dt.UTC),
            not self.sliding,
            not self.phq9_flag,
            self.last_checkin or dt.date.min,
            self.patient.display_name.lower() or self.patient.email,
        )


def dashboard_patients(viewer: User):
    """The patients who actively share with any of `viewer`'s teams, each with everything the
    dashboard shows annotated: one query."""
    visible = shares_visible_to(viewer)
    my_share = visible.filter(patient=OuterRef("pk"))
    trends = Exists(my_share.covering(Scope.TRENDS))
    open_signals = Signal.objects.filter(patient=OuterRef("pk"), resolved_at__isnull=True)
    contact = ContactDetails.objects.filter(patient=OuterRef("pk"))

    def contact_field(name: str):
        return Case(
            When(sees_contact=True, then=Subquery(contact.values(name)[:1])),
            default=Value(""),
            output_field=CharField(),
        )

    def latest_total(instrument: str):
        return Subquery(
            QuestionnaireResponse.objects.filter(patient=OuterRef("pk"), instrument=instrument)
            .order_by("-submitted_at")
            .values("total")[:1]
        )

    return (
        User.objects.filter(Exists(my_share))
        .annotate(
            sees_trends=trends,
            sees_notes=Exists(my_share.covering(Scope.NOTES)),
            sees_contact=Exists(my_share.covering(Scope.CONTACT)),
            sliding=Exists(open_signals.filter(kind=Signal.Kind.SUSTAINED_SLIDE)),
            phq9_flag=Exists(
                open_signals.filter(kind__in=[Signal.Kind.PHQ9_RISE, Signal.Kind.PHQ9_HIGH])
            ),
            past_report=Exists(
                open_signals.filter(kind=Signal.Kind.PAST_CHECKIN, acknowledged_at__isnull=True)
            ),
            last_checkin=Subquery(
                CheckIn.objects.filter(patient=OuterRef("pk")).order_by("-day").values("day")[:1]
            ),
            phq9_latest=latest_total("phq9"),
            gad7_latest=latest_total("gad7"),
            # The latest session's self-check (the latest saved of its two): its session's day
            # and the after-effects noticed.
            last_check_effects=Subquery(
                SessionCheck.objects.filter(patient=OuterRef("pk"))
                .order_by("-session__started_at", "-saved_at")
                .values("effects")[:1],
                output_field=JSONField(),
            ),
            last_check_at=Subquery(
                SessionCheck.objects.filter(patient=OuterRef("pk"))
                .order_by("-session__started_at", "-saved_at")
                .values("session__day")[:1]
            ),
            # Non-empty when the care team entered that check (Scope.CLINIC_ENTRIES).
            last_check_team=Subquery(
                SessionCheck.objects.filter(patient=OuterRef("pk"))
                .order_by("-session__started_at", "-saved_at")
                .values("entered_by_team")[:1]
            ),
        )
        .annotate(contact_phone=contact_field("phone"), contact_email=contact_field("email"))
        .only("id", "public_id", "email", "display_name", "time_zone")
    )


def dashboard_rows(*, viewer: User) -> list[DashboardRow]:
    """The patients who actively share with any of `viewer`'s teams, sorted by need.

    Five queries whatever the number of patients: patients with everything annotated, the team
    names, 30 days of moods, and the courses and PHQ-9 totals behind each course's numbers for
    those who share trends; and two more when any of them has an urgent flag
    (outreach.urgent_flags). What a share's scope does not allow
    is never loaded: signals, scores, outreach and moods only for trends-scope shares, contact
    details only for shares with "How to reach me".
    """
    visible = shares_visible_to(viewer)
    patients = dashboard_patients(viewer)
    flags = urgent_flags(viewer=viewer, shares=visible.covering(Scope.TRENDS))
    teams: dict[int, list[str]] = {}
    for patient_id, team_name in visible.order_by("team__name").values_list(
        "patient_id", "team__name"
    ):
        teams.setdefault(patient_id, [])
        if team_name not in teams[patient_id]:
            teams[patient_id].append(team_name)

    today = timezone.localdate()
    start = today - dt.timedelta(days=SPARK_DAYS - 1)
    moods: dict[int, list[tuple[dt.date, int]]] = {}
    for patient_id, day, mood in CheckIn.objects.filter(
        patient__in=visible.covering(Scope.TRENDS).values("patient_id"),
        day__range=(start, today),
    ).values_list("patient_id", "day", "mood"):
        moods.setdefault(patient_id, []).append((day, mood))
    patients = list(patients)
    courses = courses_for([p.pk for p in patients if p.sees_trends])

    rows = []
    for patient in patients:
        row = DashboardRow(
            patient=patient,
            teams=teams.get(patient.pk, []),
            sees_trends=patient.sees_trends,
            sees_notes=patient.sees_notes,
            contact_phone=patient.contact_phone or "",
            contact_email=patient.contact_email or "",
        )
        if patient.sees_trends:
            flag = flags.get(patient.pk)
            if flag is not None:
                row.urgent = True
                row.urgent_open = flag.still_open
                row.urgent_since = flag.since
                if flag.acted_at is not None:
                    row.acted_at = flag.acted_at
                    row.acted_by = flag.acted_by
                    row.acted_outcome = flag.acted_outcome
            row.sliding = patient.sliding
            row.phq9_flag = patient.phq9_flag
            row.last_checkin = patient.last_checkin
            if patient.last_checkin:
                row.days_since_checkin = (patient.today() - patient.last_checkin).days
            row.phq9_total = patient.phq9_latest
            row.phq9_band = band("phq9", patient.phq9_latest)
            row.gad7_total = patient.gad7_latest
            row.gad7_band = band("gad7", patient.gad7_latest)
            spark = moods.get(patient.pk, [])
            row.spark_points = sparkline_points(spark, start=start)
            row.spark_days = len(spark)
            row.course = current_course(courses.get(patient.pk, []))
            row.last_check_at = patient.last_check_at
            row.last_check_team = patient.last_check_team or ""
            row.last_effects = Effects(patient.last_check_effects or {}).noticed()
            if row.sliding:
                row.reasons.append("A sustained slide")
            if row.phq9_flag:
                row.reasons.append("PHQ-9 rise")
            if row.course is not None and row.course.outcome.rising_weeks:
                row.reasons.append("Scores rising toward the course baseline")
            row.past_report = patient.past_report
            if row.past_report:
                row.reasons.append("Thoughts of self-harm on a past day (not now)")
        rows.append(row)
    rows.sort(key=DashboardRow.sort_key)
    return rows


@dataclass(frozen=True)
class TeamCard:
    """A warning sign on the team's patient page, in the team's words, with the outreach that
    answered it (the latest by the viewer's teams after its last report), if any."""

    signal: Signal
    words: object  # journal.warning_words.Words
    acted: Outreach | None = None

    @property
    def waiting(self) -> bool:
        """Thoughts of self-harm, still open, and no one on the team has reached out since."""
        return self.signal.is_urgent and self.signal.resolved_at is None and self.acted is None


def team_cards(*, signals: list[Signal], outreach: list[Outreach], today: dt.date) -> list:
    """The warning signs with the team's words and what answered them. No queries."""
    cards = []
    for signal in signals:
        acted = next((o for o in outreach if answers(o.at, signal.last_reported_at)), None)
        cards.append(TeamCard(signal, signal.words_for_team(today), acted))
    return cards


@dataclass
class PatientTrends:
    checkins: list
    questionnaires: list
    sessions: list
    signals: list


def patient_trends(*, grant: Grant) -> PatientTrends:
    """What the trends scope shows: numbers, never words the patient wrote. Four queries."""
    grant.require(Scope.TRENDS)
    patient = grant.patient
    checkins = list(
        CheckIn.objects.for_patient(patient)
        .order_by("-day")
        .only("id", "day", "mood", "energy", "sleep_hours", "sleep_quality")[:RECENT_DAYS]
    )
    questionnaires = [
        {
            "day": q.day,
            "name": q.get_instrument_display(),
            "total": q.total,
            "band": q.band,
        }
        for q in QuestionnaireResponse.objects.for_patient(patient)
        .order_by("-submitted_at")
        .only("id", "day", "instrument", "total", "band", "submitted_at")[:HISTORY_LIMIT]
    ]
    sessions = list(
        TreatmentSession.objects.for_patient(patient)
        .order_by("-started_at")
        .only("id", "day", "kind", "started_at")[:HISTORY_LIMIT]
    )
    signals = list(
        Signal.objects.filter(patient=patient)
        .filter(
            Q(resolved_at__isnull=True) | Q(detected_at__gte=timezone.now() - dt.timedelta(days=90))
        )
        .select_related("acknowledged_by")
        .order_by("-detected_at")[:HISTORY_LIMIT]
    )
    return PatientTrends(
        checkins=checkins, questionnaires=questionnaires, sessions=sessions, signals=signals
    )


@dataclass
class PatientNotes:
    checkins: list
    sessions: list


def patient_notes(*, grant: Grant) -> PatientNotes:
    """What the notes scope adds: daily notes, integration reflections, session words."""
    grant.require(Scope.NOTES)
    patient = grant.patient
    checkins = list(
        CheckIn.objects.for_patient(patient)
        .exclude(note="", integration_shifted="", integration_carry_forward="")
        .order_by("-day")
        .only("id", "day", "note", "integration_shifted", "integration_carry_forward")[:RECENT_DAYS]
    )
    sessions = list(
        TreatmentSession.objects.for_patient(patient)
        .order_by("-started_at")
        .only("id", "day", "kind", "started_at", "intention", "insights")[:HISTORY_LIMIT]
    )
    return PatientNotes(checkins=checkins, sessions=sessions)
