"""The registry of check-in measures: what a daily check-in asks, in one place.

Each `Measure` says what a measure is (its name, the words a person reads, its range), which way
is better, whether it counts toward the early-warning areas, how a week sums it up and how a
chart draws it. The check-in model and its constraints, the form, the weekly summaries, the
early-warning rule, the charts, the export, the care team's dashboard and the demo all read this
list instead of naming measures themselves.

Adding a measure is one entry here plus the migration `makemigrations` then writes (a column on
the check-in, and one per weekly statistic on the summary); tests/journal/test_measures.py proves
it by adding one in a fresh process.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q


class Kind(enum.Enum):
    SCALE = "scale"  # a whole number from 0 to 10
    HOURS = "hours"  # hours with one decimal (sleep)
    RATING = "rating"  # a whole number on a short scale, each step named (1 to 5)
    CHOICE = "choice"  # one of a few named answers (appetite)


class Better(enum.Enum):
    HIGHER = "higher"
    LOWER = "lower"
    USUAL = "usual"  # a change either way is the worse direction (appetite)


class Appetite(models.TextChoices):
    LESS = "less", "Less than usual"
    USUAL = "usual", "As usual"
    MORE = "more", "More than usual"


@dataclass(frozen=True)
class Measure:
    name: str  # the check-in's column
    label: str  # the form's label, a table's heading
    hint: str  # under the form field: what the ends mean
    kind: Kind
    low: float
    high: float
    better: Better
    required: bool = False
    # The early-warning rule: the words for this area in its explanation ("your energy and
    # sleep too"), and how far a window's mean must move from the usual to count as worse.
    # None: not one of the areas.
    warning_words: str | None = None
    warning_threshold: float = 1.0
    # What a week keeps of it (WeeklySummary columns `<name>_<stat>`).
    weekly: tuple[str, ...] = ("mean",)
    colour: str = "#4a5568"
    # RATING and CHOICE: the answers, (value, words), in order; for a CHOICE, the one that
    # means "as usual" (any other answer is a change).
    choices: tuple[tuple[Any, str], ...] = ()
    usual: Any = None
    # The values an ordinary day usually takes, for the demo's made-up history (HOURS).
    typical: tuple[float, float] | None = None
    # Form messages that differ from the kind's default wording.
    messages: dict[str, str] = field(default_factory=dict)
    # The FHIR export's code, (LOINC code, its display), where a LOINC code truly means this
    # measure as we ask it; None: our own code system names it (journal/fhir.py).
    loinc: tuple[str, str] | None = None

    @property
    def is_numeric(self) -> bool:
        return self.kind is not Kind.CHOICE

    @property
    def lower_is_worse(self) -> bool:
        return self.better is Better.HIGHER

    def model_field(self) -> models.Field:
        """The check-in's column for this measure."""
        if self.kind is Kind.HOURS:
            return models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
        if self.kind is Kind.CHOICE:
            width = max(len(str(value)) for value, _ in self.choices)
            return models.CharField(max_length=max(8, width), choices=self.choices, blank=True)
        if self.required:
            return models.PositiveSmallIntegerField()
        return models.PositiveSmallIntegerField(null=True, blank=True)

    def constraint(self) -> models.CheckConstraint:
        """The range, enforced by the database for every path (admin, tasks, shell, imports)."""
        name = f"checkin_{self.name}_{_number(self.low)}_{_number(self.high)}"
        if self.kind is Kind.CHOICE:
            values = ["", *(value for value, _ in self.choices)]
            return models.CheckConstraint(
                condition=Q(**{f"{self.name}__in": values}), name=f"checkin_{self.name}_known"
            )
        in_range = Q(**{f"{self.name}__gte": self.low, f"{self.name}__lte": self.high})
        if self.required:
            return models.CheckConstraint(condition=in_range, name=name)
        return models.CheckConstraint(
            condition=Q(**{f"{self.name}__isnull": True}) | in_range, name=name
        )

    def weekly_columns(self) -> list[str]:
        return [f"{self.name}_{stat}" for stat in self.weekly]

    def weekly_field(self, stat: str) -> models.Field:
        """The weekly summary's column for one statistic: a mean is a float; the lowest and the
        highest keep the measure's own type (hours with a decimal are floats)."""
        if stat == "mean" or self.kind is Kind.HOURS:
            return models.FloatField(null=True)
        return models.PositiveSmallIntegerField(null=True)

    def as_number(self, value: Any) -> float | None:
        """A stored value as a plain number for the rule and the charts (None: not answered)."""
        if value is None or value == "":
            return None
        return float(value) if isinstance(value, (int, float, Decimal)) else None


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", "_")


MOOD = Measure(
    "mood",
    "Mood today",
    "0 = lowest, 10 = best",
    Kind.SCALE,
    0,
    10,
    Better.HIGHER,
    required=True,
    weekly=("mean", "min", "max"),
    colour="#1f77b4",
    messages={
        "required": "Please choose a number for your mood, from 0 (lowest) to 10 (best).",
        "invalid_choice": "Mood is a whole number from 0 to 10.",
    },
)

MEASURES: tuple[Measure, ...] = (
    MOOD,
    Measure(
        "energy",
        "Energy",
        "0 = none at all, 10 = plenty",
        Kind.SCALE,
        0,
        10,
        Better.HIGHER,
        warning_words="energy",
        colour="#e07b00",
    ),
    Measure(
        "interest",
        "Interest in things",
        "0 = nothing interests me, 10 = lots does",
        Kind.SCALE,
        0,
        10,
        Better.HIGHER,
        warning_words="interest in things",
        colour="#2a9d8f",
    ),
    Measure(
        "anxiety",
        "Anxiety",
        "0 = calm, 10 = very anxious",
        Kind.SCALE,
        0,
        10,
        Better.LOWER,
        warning_words="anxiety",
        colour="#b5651d",
    ),
    Measure(
        "irritability",
        "Irritability",
        "0 = not at all, 10 = very irritable",
        Kind.SCALE,
        0,
        10,
        Better.LOWER,
        warning_words="irritability",
        colour="#9b2c2c",
    ),
    Measure(
        "self_worth",
        "Self-worth",
        "0 = very low, 10 = I feel good about myself",
        Kind.SCALE,
        0,
        10,
        Better.HIGHER,
        warning_words="how you feel about yourself",
        colour="#6b46c1",
    ),
    Measure(
        "connection",
        "Connection with people",
        "0 = very alone, 10 = very connected",
        Kind.SCALE,
        0,
        10,
        Better.HIGHER,
        warning_words="feeling connected to people",
        colour="#2c7a7b",
    ),
    Measure(
        "sleep_hours",
        "Hours slept last night",
        "Optional. For example 7 or 6.5.",
        Kind.HOURS,
        0,
        24,
        Better.HIGHER,
        warning_words="sleep",
        weekly=("mean", "min", "max"),
        colour="#6a51a3",
        typical=(4.5, 9.0),
        loinc=("93832-4", "Sleep duration"),
        messages={
            "min_value": "Hours of sleep can't be below 0.",
            "max_value": "Hours of sleep can't be more than 24.",
            "max_decimal_places": "Please use at most one decimal place, like 6.5.",
            "max_digits": "Hours of sleep is a number from 0 to 24, like 7.5.",
            "invalid": "Hours of sleep is a number from 0 to 24, like 7.5.",
        },
    ),
    Measure(
        "sleep_quality",
        "How well did you sleep?",
        "",
        Kind.RATING,
        1,
        5,
        Better.HIGHER,
        colour="#805ad5",
        choices=((1, "Very poor"), (2, "Poor"), (3, "Okay"), (4, "Good"), (5, "Very good")),
        messages={"invalid_choice": "Sleep quality is from 1 (very poor) to 5 (very good)."},
    ),
    Measure(
        "appetite",
        "Appetite",
        "",
        Kind.CHOICE,
        0,
        0,
        Better.USUAL,
        warning_words="appetite",
        weekly=(),
        choices=tuple(Appetite.choices),
        usual=Appetite.USUAL.value,
        messages={"invalid_choice": "Please choose less, as usual or more."},
    ),
)


def _extra_measures_for_tests() -> tuple[Measure, ...]:
    """One more 0-10 measure, only in a test process that asks for it (the environment variable
    is read at import, before Django builds the models): how tests/journal/test_measures.py
    proves that adding a measure is one entry."""
    name = os.environ.get("TIDELINE_TEST_EXTRA_MEASURE", "")
    if not name or os.environ.get("TIDELINE_TESTING", "").lower() != "true":
        return ()
    return (
        Measure(
            name,
            name.replace("_", " ").capitalize(),
            "0 = none, 10 = a lot",
            Kind.SCALE,
            0,
            10,
            Better.HIGHER,
            warning_words=name.replace("_", " "),
        ),
    )


MEASURES = (*MEASURES, *_extra_measures_for_tests())
BY_NAME = {m.name: m for m in MEASURES}
# Everything but mood, in order: the optional part of a check-in.
OPTIONAL = tuple(m for m in MEASURES if not m.required)
# The areas the early-warning rule compares with the patient's usual, in order.
WARNING_AREAS = tuple(m for m in MEASURES if m.warning_words)
NAMES = tuple(m.name for m in MEASURES)
