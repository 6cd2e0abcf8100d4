"""Six months of believable journal history for the demo patient (DEBUG runs only).

The story: a patient starts an induction of six IV ketamine infusions early on (a PHQ-9 of 19
two days before the first), mood lifts over the following weeks and reaches a response; around
three months in it dips, and a second course (maintenance: three infusions and a booster) starts
from a pre-treatment PHQ-9 of 17, reaching response again; then scores climb for four weeks and
the last three weeks slide (mood about 3 points under their usual, with lower energy, interest
and sleep), so the course's durability cue and the early-warning rule both have something real
to find on a newcomer's first look. Deterministic (a fixed random seed) and idempotent: each part
is only added when the patient has none of it yet.
"""

import datetime as dt
import random
import statistics
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from . import measures
from .measures import Better, Kind, Measure
from .models import (
    INTEGRATION_DAYS,
    Activity,
    CheckIn,
    CheckInActivity,
    Medication,
    QuestionnaireResponse,
    SafetyPlan,
    SessionCheck,
    TreatmentSession,
)
from .questionnaires import GAD7, PHQ9, score
from .services import SessionData, treatment_session_save
from .signals import signals_evaluate
from .treatment import (
    MedicationData,
    SessionCheckData,
    medication_dose_change,
    medication_save,
    session_check_save,
)
from .weekly import weekly_summaries_rebuild

HISTORY_DAYS = 182
SLIDE_DAYS = 21
# Day index (0 = oldest) of each infusion: an induction of six, then, after a gap of more than
# three weeks, a second course (maintenance) of three and a booster (journal/courses.py).
SESSION_OFFSETS = (10, 13, 17, 20, 24, 27, 99, 102, 106, 134)
SECOND_COURSE = 99
DOSE_CHANGE = 112  # the day index Sertraline goes from 50 to 100 mg
PRE_TREATMENT_PHQ9 = 8  # the day index of a PHQ-9 two days before the first infusion
# The PHQ-9 totals the story needs, by day index; the rest follow mood. Course 1 from 19:
# 8 is a response (half or lower). Course 2 from 17: 7 is a response, 5 its best, then 8 and 11
# over four weeks: the durability cue (a rise of 5 or more over three weeks or more).
PHQ9_STORY = {
    PRE_TREATMENT_PHQ9: 19,
    13: 15,
    27: 11,
    41: 8,
    55: 6,
    69: 7,
    83: 12,
    97: 17,
    111: 9,
    125: 7,
    139: 5,
    153: 8,
    167: 11,
}

NOTES_LOW = [
    "Heavy morning. Stayed in bed too long.",
    "Didn't want to see anyone today.",
    "Everything felt like effort.",
    "Slept badly again, foggy all day.",
    "Cancelled plans. Felt guilty about it.",
]
NOTES_MID = [
    "An ordinary day. Work was fine.",
    "Walked to the shop and back, that helped a little.",
    "Bit flat in the afternoon, better after dinner.",
    "Called my sister.",
]
NOTES_HIGH = [
    "Good day. Cooked something new.",
    "Long walk by the river, felt light.",
    "Laughed properly at something today.",
    "Noticed I was humming while doing the dishes.",
    "Finished a drawing I started weeks ago.",
]
INTENTIONS = [
    "To meet the heaviness with curiosity instead of fear.",
    "To let go of the story that nothing will change.",
    "To remember what it felt like to enjoy small things.",
]
INSIGHTS = [
    "Felt very far away, then a sense of space. The voice that says I'm failing was quieter.",
    "Saw my younger self and felt kind towards him. Cried afterwards, a good kind of crying.",
    "Less dramatic this time. A calm that stayed for the evening.",
]
INTEGRATION_SHIFTED = [
    "Mornings feel less like a wall.",
    "I noticed the birds outside for the first time in ages.",
    "The critical voice is still there but quieter.",
]
INTEGRATION_CARRY = [
    "Ten minutes outside before work.",
    "Be as kind to myself as I am to friends.",
    "Keep journaling, even one line.",
]


def _clamp(value: float, low: int = 0, high: int = 10) -> int:
    return max(low, min(high, round(value)))


def _mood_level(i: int) -> float:
    """The underlying mood on day index i, before noise."""
    slide_start = HISTORY_DAYS - SLIDE_DAYS
    if i >= slide_start:
        return 3.6
    if i < SESSION_OFFSETS[0]:
        return 3.8
    if i < 45:
        # Lifting after the infusions.
        return 3.8 + (i - SESSION_OFFSETS[0]) * (3.0 / (45 - SESSION_OFFSETS[0]))
    if 75 <= i < SECOND_COURSE:
        # The lift fading: the reason for a second course.
        return 6.8 - (i - 75) * (2.4 / (SECOND_COURSE - 75))
    if SECOND_COURSE <= i < 120:
        return 4.4 + (i - SECOND_COURSE) * (2.9 / (120 - SECOND_COURSE))
    return 7.3


@transaction.atomic
def seed_journal_history(patient) -> None:
    """Fill the demo patient's journal: check-ins with gaps ending yesterday in their zone,
    two courses of sessions, PHQ-9 and GAD-7 every two weeks, a safety plan. Adds nothing on a
    re-run."""
    rng = random.Random(20261124)  # noqa: S311 - demo data, not security
    end = patient.today() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=HISTORY_DAYS - 1)
    zone = patient.zoneinfo
    day_of = [start + dt.timedelta(days=i) for i in range(HISTORY_DAYS)]
    session_days = [day_of[i] for i in SESSION_OFFSETS]

    if not TreatmentSession.objects.for_patient(patient).exists():
        # Through the service, as a patient's own entries go: it puts each in its course.
        for n, day in enumerate(session_days):
            treatment_session_save(
                patient=patient,
                data=SessionData(
                    day=day,
                    time=dt.time(10, 0),
                    kind=TreatmentSession.Kind.IV_INFUSION,
                    dose="0.5 mg/kg over 40 minutes",
                    provider="Harbour Ketamine Clinic",
                    intention=INTENTIONS[n % len(INTENTIONS)],
                    insights=INSIGHTS[n % len(INSIGHTS)],
                ),
            )

    if not SessionCheck.objects.filter(patient=patient).exists():
        # After-effects the evening of each session of the second course: mild to moderate,
        # one blood pressure that rose a little, nothing severe.
        second = TreatmentSession.objects.for_patient(patient).filter(
            day__gte=day_of[SECOND_COURSE]
        )
        for n, session in enumerate(second.order_by("started_at")):
            session_check_save(
                patient=patient,
                session=session,
                data=SessionCheckData(
                    moment="evening",
                    felt=6 + n % 3,
                    effects={"nausea": 2 if n == 0 else 1, "unreal": 1, "sleepiness": 2},
                    bp_before=(124, 80),
                    bp_after=(138 if n == 0 else 130, 86),
                ),
            )

    if not Medication.objects.for_patient(patient).exists():
        # A dose change during the second course: a marker on every chart.
        sertraline = medication_save(
            patient=patient,
            data=MedicationData(
                name="Sertraline",
                dose=Decimal(50),
                unit="mg",
                how_often="once a day",
                started_on=start - dt.timedelta(days=240),
                stopped_on=None,
            ),
        )
        medication_dose_change(
            patient=patient,
            medication=sertraline,
            day=day_of[DOSE_CHANGE],
            dose=Decimal(100),
            unit="mg",
        )

    moods: dict[dt.date, int] = {}
    if not CheckIn.objects.for_patient(patient).exists():
        moods = _seed_checkins(patient, rng, day_of, session_days)
    else:
        moods = dict(CheckIn.objects.for_patient(patient).values_list("day", "mood"))

    if not QuestionnaireResponse.objects.for_patient(patient).exists():
        _seed_questionnaires(patient, rng, day_of, moods, zone)

    SafetyPlan.objects.get_or_create(
        patient=patient,
        defaults={
            "warning_signs": "Staying in bed past ten. Cancelling on friends. "
            "Thinking 'what's the point'.",
            "coping_strategies": "Shower and get dressed. A walk round the block. "
            "The playlist called 'steady'.",
            "distractions": "The library café. Calling Jo to talk about anything else.",
            "people_to_ask": "Jo (sister): 555-0142. Marcus: 555-0178.",
            "professionals": "Dr. Rivera at Harbour Ketamine Clinic: 555-0100. "
            "988 Suicide & Crisis Lifeline: call or text 988.",
            "environment_safety": "Jo keeps the spare medication. Nothing stockpiled at home.",
            "reasons_for_living": "Jo and her kids. My dog, Pepper. Seeing the coast in spring.",
        },
    )


def _seed_checkins(patient, rng, day_of, session_days) -> dict:
    builtins = {a.name: a for a in Activity.objects.filter(owner__isnull=True)}
    slide_start = HISTORY_DAYS - SLIDE_DAYS
    rows = []
    tags_by_day: dict[dt.date, list[Activity]] = {}
    for i, day in enumerate(day_of):
        sliding = i >= slide_start
        # Gaps: about one day in eight earlier on, two in the last three weeks.
        if (not sliding and rng.random() < 0.12) or (
            sliding and i in (slide_start + 5, HISTORY_DAYS - 9)
        ):
            continue
        level = _mood_level(i)
        mood = _clamp(rng.gauss(level, 1.0))
        low = mood <= 4
        # The integration prompts' days (a reflection is only kept on those).
        after = [s for s in session_days if (day - s).days in INTEGRATION_DAYS]
        row = CheckIn(
            patient=patient,
            day=day,
            mood=mood,
            **{m.name: _demo_value(m, rng, level, sliding) for m in measures.OPTIONAL},
            self_harm_thoughts=False if rng.random() < 0.5 else None,
            note=rng.choice(NOTES_LOW if low else NOTES_HIGH if mood >= 7 else NOTES_MID)
            if rng.random() < 0.35
            else "",
        )
        if after:
            n = session_days.index(after[0])
            row.integration_shifted = INTEGRATION_SHIFTED[n % len(INTEGRATION_SHIFTED)]
            row.integration_carry_forward = INTEGRATION_CARRY[n % len(INTEGRATION_CARRY)]
        rows.append(row)
        tags_by_day[day] = _tags_for(
            rng, builtins, sliding=sliding, mood=mood, day=day, session_day=day in session_days
        )
    CheckIn.objects.bulk_create(rows, batch_size=500)
    ids = dict(CheckIn.objects.for_patient(patient).values_list("day", "id"))
    CheckInActivity.objects.bulk_create(
        [
            CheckInActivity(checkin_id=ids[day], activity_id=tag.pk, day=day)
            for day, tags in tags_by_day.items()
            for tag in tags
        ],
        batch_size=1000,
    )
    # The measure columns come from the registry, so they are read by name.
    return {r.day: getattr(r, measures.MOOD.name) for r in rows}


def _demo_value(measure: Measure, rng: random.Random, level: float, sliding: bool):
    """A believable value of `measure` on a day whose underlying mood is `level` (0-10): it goes
    the way mood goes (the other way for a measure where lower is better), a little worse still
    in the slide, and is sometimes left unanswered, as people do."""
    if measure.kind is Kind.CHOICE:
        others = [value for value, _ in measure.choices if value != measure.usual]
        changed = 0.65 if sliding else 0.15
        return rng.choice(others) if rng.random() < changed else measure.usual
    if rng.random() < 0.15:
        return None
    drift = level / 10 - (0.1 if sliding else 0.0)  # 0 = as bad as it gets, 1 = as good
    if measure.better is Better.LOWER:
        drift = 1 - drift
    low, high = measure.typical or (measure.low, measure.high)
    value = min(
        measure.high, max(measure.low, rng.gauss(low + (high - low) * drift, 0.1 * (high - low)))
    )
    if measure.kind is Kind.HOURS:
        return Decimal(str(round(value, 1)))
    return round(value)


def _tags_for(rng, builtins, *, sliding: bool, mood: int, day: dt.date, session_day: bool):
    weights = {
        "Movement": 0.15 if sliding else 0.5,
        "Mindfulness or meditation": 0.1 if sliding else 0.35,
        "Therapy": 0.9 if day.weekday() == 2 else 0.0,
        "Integration coaching": 0.9 if session_day else 0.0,
        "Journaling": 0.3,
        "Time outdoors": 0.2 if sliding else 0.45,
        "Time with people": 0.1 if sliding else 0.4,
        "Creative work": 0.05 if sliding else 0.2,
        "Rest": 0.3,
        "Work or study": 0.7 if day.weekday() < 5 else 0.05,
        "Alcohol": 0.25 if sliding else 0.08,
        "Poor-sleep night": 0.5 if sliding else 0.08,
    }
    return [builtins[name] for name, p in weights.items() if name in builtins and rng.random() < p]


def _seed_questionnaires(patient, rng, day_of, moods, zone) -> None:
    """PHQ-9 and GAD-7 every 14 days, and one pair two days before the first infusion (the
    course's baseline); the last pair 15 days before today, so one is due. PHQ-9 totals follow
    PHQ9_STORY where it has one."""
    end = day_of[-1]
    days = [day_of[PRE_TREATMENT_PHQ9]]
    day = end - dt.timedelta(days=14)
    while day >= day_of[0]:
        days.append(day)
        day -= dt.timedelta(days=14)
    rows = []
    for day in sorted(days):
        window = [m for d, m in moods.items() if day - dt.timedelta(days=13) <= d <= day]
        mood = statistics.mean(window) if window else 5
        # Lower mood, higher scores: roughly 24 points at mood 0, 2 at mood 10.
        phq_target = max(0, min(24, round(24 - 2.2 * mood + rng.gauss(0, 1.5))))
        phq_target = PHQ9_STORY.get((day - day_of[0]).days, phq_target)
        gad_target = max(0, min(21, round(17 - 1.6 * mood + rng.gauss(0, 1.5))))
        submitted = dt.datetime.combine(day, dt.time(19, 30), tzinfo=zone).astimezone(dt.UTC)
        for spec, target in ((PHQ9, phq_target), (GAD7, gad_target)):
            # Item 9 stays 0: the demo never starts the safety flow on its own.
            answers = _spread(target, len(spec.items), zero_last=spec is PHQ9, rng=rng)
            result = score(spec.instrument, answers)
            rows.append(
                QuestionnaireResponse(
                    patient=patient,
                    instrument=spec.instrument,
                    answers=answers,
                    total=result.total,
                    band=result.band,
                    item9=result.item9,
                    day=day,
                    submitted_at=min(submitted, timezone.now()),
                )
            )
    QuestionnaireResponse.objects.bulk_create(rows)


def _spread(total: int, items: int, *, zero_last: bool, rng: random.Random) -> list[int]:
    answers = [0] * items
    slots = list(range(items - 1 if zero_last else items))
    remaining = min(total, 3 * len(slots))
    while remaining > 0:
        i = rng.choice(slots)
        if answers[i] < 3:
            answers[i] += 1
            remaining -= 1
    return answers


def demo_trends_refresh(*, patient_id: int) -> None:
    """For seed_demo: every week of the demo patient, then their signals, synchronously."""
    weekly_summaries_rebuild(patient_ids=[patient_id])
    signals_evaluate(patient_id=patient_id)
