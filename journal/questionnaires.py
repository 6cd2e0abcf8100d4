"""PHQ-9 and GAD-7: wording, answer scale, scoring and severity bands.

Pure functions only (no database), so the rules can be tested exhaustively. The total is always
computed here from the item answers; a total sent by a browser is never read.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from .models import Instrument

# LOINC codes (shared/NOTES.md), kept with the instrument so an export can label its numbers.
LOINC_PHQ9_PANEL = "44249-1"
LOINC_PHQ9_TOTAL = "44261-6"
LOINC_PHQ9_ITEM9 = "44260-8"
LOINC_GAD7_PANEL = "69737-5"
LOINC_GAD7_TOTAL = "70274-6"

# The shared 0-3 answer list (LOINC answer codes LA6568-5, LA6569-3, LA6570-1, LA6571-9).
ANSWER_CHOICES = [
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
]
ANSWER_LOINC = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}

# Each item's LOINC code, in the instrument's order (the items of panels 44249-1 and 69737-5).
PHQ9_ITEM_LOINC = (
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    LOINC_PHQ9_ITEM9,
)
GAD7_ITEM_LOINC = ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7")

PHQ9_ITEMS = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being "
    "so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)

GAD7_ITEMS = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
)

STEM = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"

# (lowest total of the band, band name), ascending.
PHQ9_BANDS = (
    (0, "minimal"),
    (5, "mild"),
    (10, "moderate"),
    (15, "moderately severe"),
    (20, "severe"),
)
GAD7_BANDS = (
    (0, "minimal"),
    (5, "mild"),
    (10, "moderate"),
    (15, "severe"),
)


@dataclass(frozen=True)
class Spec:
    instrument: str
    title: str
    items: tuple[str, ...]
    bands: tuple[tuple[int, str], ...]
    panel_loinc: str
    total_loinc: str
    item_loinc: tuple[str, ...]

    @property
    def max_total(self) -> int:
        return 3 * len(self.items)


PHQ9 = Spec(
    Instrument.PHQ9,
    "PHQ-9 (mood)",
    PHQ9_ITEMS,
    PHQ9_BANDS,
    LOINC_PHQ9_PANEL,
    LOINC_PHQ9_TOTAL,
    PHQ9_ITEM_LOINC,
)
GAD7 = Spec(
    Instrument.GAD7,
    "GAD-7 (anxiety)",
    GAD7_ITEMS,
    GAD7_BANDS,
    LOINC_GAD7_PANEL,
    LOINC_GAD7_TOTAL,
    GAD7_ITEM_LOINC,
)
SPECS = {PHQ9.instrument: PHQ9, GAD7.instrument: GAD7}


@dataclass(frozen=True)
class Score:
    total: int
    band: str
    item9: int | None


def phq9_band(total: int) -> str:
    """PHQ-9 severity band.

    Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity
    measure. J Gen Intern Med 2001;16(9):606-613. Cut points 5, 10, 15 and 20: 0-4 minimal,
    5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe.
    """
    return _band(PHQ9, total)


def gad7_band(total: int) -> str:
    """GAD-7 severity band.

    Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing generalized
    anxiety disorder: the GAD-7. Arch Intern Med 2006;166(10):1092-1097. Cut points 5, 10 and
    15: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe.
    """
    return _band(GAD7, total)


def band(instrument: str, total: int | None) -> str:
    """The band of `total` on `instrument` ("phq9" or "gad7"); "" when there is no score."""
    return "" if total is None else _band(SPECS[instrument], total)


def _band(spec: Spec, total: int) -> str:
    if not 0 <= total <= spec.max_total:
        raise ValueError(f"{spec.instrument} total must be 0-{spec.max_total}")
    name = spec.bands[0][1]
    for low, band in spec.bands:
        if total >= low:
            name = band
    return name


def band_ranges(spec: Spec) -> tuple[tuple[int, int, str], ...]:
    """The bands as (lowest, highest, Name) for charts and tables: (0, 4, "Minimal"), ..."""
    lows = [low for low, _ in spec.bands]
    highs = [next_low - 1 for next_low in lows[1:]] + [spec.max_total]
    return tuple(
        (low, high, name[0].upper() + name[1:])
        for (low, name), high in zip(spec.bands, highs, strict=True)
    )


# Response and remission, as clinical trials define them: response is a drop of 50% or more
# from the baseline score; remission is a PHQ-9 total under 5 (Kroenke et al. 2001).
PHQ9_REMISSION_BELOW = 5


def phq9_response(*, baseline: int | None, total: int) -> bool:
    """A PHQ-9 `total` at half the `baseline` or less (and a baseline above 0 to halve)."""
    return baseline is not None and baseline > 0 and total * 2 <= baseline


def phq9_remission(total: int) -> bool:
    return total < PHQ9_REMISSION_BELOW


def score(instrument: str, answers: list[int]) -> Score:
    """Total, band and (PHQ-9 only) item 9 from the item answers, each 0-3, in order.

    Raises ValueError on a wrong number of answers or an answer outside 0-3.
    """
    spec = SPECS.get(instrument)
    if spec is None:
        raise ValueError("unknown instrument")
    if len(answers) != len(spec.items):
        raise ValueError(f"{spec.instrument} needs {len(spec.items)} answers")
    if any(type(a) is not int or not 0 <= a <= 3 for a in answers):
        raise ValueError("each answer must be 0-3")
    total = sum(answers)
    item9 = answers[8] if spec is PHQ9 else None
    return Score(total=total, band=_band(spec, total), item9=item9)


def due_again(*, last: dt.date | None, day: dt.date, every_days: int | None = None) -> bool:
    """Whether a questionnaire last filled on `last` is due again on `day`: never filled, or
    filled `every_days` or more days before (a team's rhythm), else QUESTIONNAIRE_DUE_DAYS
    (both instruments ask about "the last 2 weeks"). The home page and the reminder both ask
    this, so they agree."""
    every = every_days or settings.QUESTIONNAIRE_DUE_DAYS
    return last is None or day - last >= dt.timedelta(days=every)
