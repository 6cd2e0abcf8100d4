"""Journal forms: validation and kind error messages. Rules that must hold on every path (ranges,
one row per day) are also database constraints; the service decides which days may be logged."""

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import cast

from django import forms

from . import measures
from .after_session import EFFECTS, LEVELS, Moment
from .measures import Kind, Measure
from .models import Activity, CheckIn, Course, Medication, SafetyPlan, TreatmentSession
from .questionnaires import ANSWER_CHOICES, Spec
from .services import CheckInData, SessionData
from .treatment import CourseData, MedicationData, SessionCheckData

SELF_HARM_CHOICES = [("", "I'd rather not answer"), ("no", "No"), ("yes", "Yes")]
TAG_REFUSED = "One of the tags isn't available to you. Please choose from the list."


def _to_bool(value):
    return {"yes": True, "no": False}.get(value)


class HiddenErrorsMixin(forms.Form):
    """Errors of hidden fields (a tampered version or submission key) have nowhere to show next
    to a control; say them at the top of the form instead."""

    def full_clean(self) -> None:
        super().full_clean()
        errors = self.errors  # what full_clean just collected (it does not run again)
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.HiddenInput) and name in errors:
                for error in errors.pop(name):
                    errors.setdefault("__all__", self.error_class(error_class="nonfield"))
                    errors["__all__"].append(error)


class RangeInput(forms.NumberInput):
    input_type = "range"


def _scale_choice(measure: Measure) -> forms.Field:
    """A required 0-10 measure (mood): eleven large buttons."""
    low, high = int(measure.low), int(measure.high)
    return forms.TypedChoiceField(
        label=measure.label,
        choices=[(i, str(i)) for i in range(low, high + 1)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": f"Please choose a number for {measure.label.lower()}, "
            f"from {low} to {high}.",
            "invalid_choice": f"{measure.label} is a whole number from {low} to {high}.",
            **measure.messages,
        },
    )


def _scale_slider(measure: Measure) -> tuple[forms.Field, forms.Field]:
    """An optional 0-10 measure: a slider, and a "not answered" box that stays ticked until the
    slider is moved (static/js/checkin.js), so an untouched slider saves nothing, not a 5."""
    label, low, high = measure.label, int(measure.low), int(measure.high)
    value = forms.IntegerField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        initial=(low + high) // 2,
        help_text=measure.hint,
        widget=RangeInput(attrs={"min": low, "max": high, "step": 1, "data-scale": measure.name}),
        error_messages={
            "min_value": f"{label} is from {low} to {high}.",
            "max_value": f"{label} is from {low} to {high}.",
            "invalid": f"{label} is a whole number from {low} to {high}.",
            **measure.messages,
        },
    )
    skip = forms.BooleanField(
        label=f"Skip {label.lower()}",
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"data-skip-for": measure.name}),
    )
    return value, skip


def _hours(measure: Measure) -> forms.Field:
    low, high = int(measure.low), int(measure.high)
    return forms.DecimalField(
        label=measure.label,
        required=False,
        min_value=low,
        max_value=high,
        max_digits=3,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
        help_text=measure.hint,
        error_messages={
            "min_value": f"{measure.label} can't be below {low}.",
            "max_value": f"{measure.label} can't be more than {high}.",
            "max_decimal_places": "Please use at most one decimal place, like 6.5.",
            "invalid": f"{measure.label} is a number from {low} to {high}.",
            **measure.messages,
        },
    )


def _rating(measure: Measure) -> forms.Field:
    low, high = int(measure.low), int(measure.high)
    return forms.TypedChoiceField(
        label=measure.label,
        choices=[("", "Not answered"), *((v, f"{v} · {words}") for v, words in measure.choices)],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=measure.hint,
        error_messages={
            "invalid_choice": f"{measure.label} is from {low} to {high}.",
            **measure.messages,
        },
    )


def _choice(measure: Measure) -> forms.Field:
    return forms.ChoiceField(
        label=measure.label,
        choices=[("", "Not answered"), *measure.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text=measure.hint,
        error_messages={"invalid_choice": "Please choose one of the answers.", **measure.messages},
    )


# The optional measures' form fields, by kind; the template lays each kind out its own way.
FIELD_BUILDERS = {Kind.HOURS: _hours, Kind.RATING: _rating, Kind.CHOICE: _choice}


def day_words(day: dt.date, *, today: dt.date) -> str:
    """How a check-in names a day other than today: "Saturday 24 October" (with the year when
    it is not this year's)."""
    words = f"{day:%A} {day.day} {day:%B}"
    return words if day.year == today.year else f"{words} {day.year}"


class CheckInForm(HiddenErrorsMixin, forms.Form):
    """The daily check-in: one field per measure in `journal.measures` (mood required, the rest
    optional), then tags, a note, the self-harm question and, after a session, the integration
    prompts."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        initial=0,
        error_messages={
            "required": "This page is out of date. Please open the check-in again.",
            "invalid": "This page is out of date. Please open the check-in again.",
            "min_value": "This page is out of date. Please open the check-in again.",
        },
    )
    activities = forms.ModelMultipleChoiceField(
        label="What was part of your day?",
        queryset=Activity.objects.none(),  # the patient's own and the built-in tags: __init__
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": TAG_REFUSED, "invalid_pk_value": TAG_REFUSED},
    )
    new_tag = forms.CharField(
        label="Add a tag of your own",
        max_length=40,
        required=False,
        help_text="Optional, up to 40 characters. It will be there for you next time.",
        error_messages={"max_length": "Please keep a tag to 40 characters or fewer."},
    )
    note = forms.CharField(
        label="A note for yourself",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. Only you can read it, unless you choose to share notes.",
        error_messages={"max_length": "Please keep the note under 5,000 characters."},
    )
    self_harm_thoughts = forms.TypedChoiceField(
        label="Today, have you had thoughts of hurting yourself, or that you'd be better off dead?",
        choices=SELF_HARM_CHOICES,
        coerce=_to_bool,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text="Optional. If the answer is yes, we'll show you ways to get support right away.",
    )
    integration_shifted = forms.CharField(
        label="What shifted for you since your session?",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Please keep this under 3,000 characters."},
    )
    integration_carry_forward = forms.CharField(
        label="What do you want to carry forward?",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Please keep this under 3,000 characters."},
    )

    def __init__(self, *args, activities, integration: bool, past_day: str = "", **kwargs):
        """`past_day`: the day's words (`day_words`) when the check-in is not for today, so
        every question asks about that day, the self-harm one above all."""
        super().__init__(*args, **kwargs)
        tags = cast(forms.ModelMultipleChoiceField, self.fields["activities"])
        tags.queryset = activities
        for measure in measures.MEASURES:
            if measure.required:
                self.fields[measure.name] = _scale_choice(measure)
            elif measure.kind is Kind.SCALE:
                value, skip = _scale_slider(measure)
                self.fields[measure.name] = value
                self.fields[f"{measure.name}_skip"] = skip
            else:
                self.fields[measure.name] = FIELD_BUILDERS[measure.kind](measure)
        if past_day:
            self.fields[measures.MOOD.name].label = f"Mood on {past_day}"
            self.fields["self_harm_thoughts"].label = (
                f"On {past_day}, did you have thoughts of hurting yourself, or that you'd be "
                "better off dead?"
            )
        self.integration = integration
        if not integration:
            del self.fields["integration_shifted"]
            del self.fields["integration_carry_forward"]

    @staticmethod
    def initial_from(checkin: CheckIn | None) -> dict:
        if checkin is None:
            return {"version": 0}
        initial = {
            "version": checkin.version,
            **{m.name: getattr(checkin, m.name) for m in measures.MEASURES},
            "activities": list(checkin.activities.all()),
            "note": checkin.note,
            "self_harm_thoughts": {True: "yes", False: "no", None: ""}[checkin.self_harm_thoughts],
            "integration_shifted": checkin.integration_shifted,
            "integration_carry_forward": checkin.integration_carry_forward,
        }
        for m in measures.OPTIONAL:
            if m.kind is Kind.SCALE:
                value = getattr(checkin, m.name)
                initial[m.name] = int(m.low + m.high) // 2 if value is None else value
                initial[f"{m.name}_skip"] = value is None
        return initial

    def measure_rows(self) -> list[dict]:
        """The optional measures in order, for the template: each with its kind, its field and,
        for a slider, its "not answered" box."""
        return [
            {
                "kind": m.kind.value,
                "field": self[m.name],
                "skip": self[f"{m.name}_skip"] if m.kind is Kind.SCALE else None,
            }
            for m in measures.OPTIONAL
        ]

    def to_data(self) -> CheckInData:
        c = self.cleaned_data
        values = {}
        for m in measures.MEASURES:
            value = c.get(m.name)
            if m.kind is Kind.SCALE and not m.required and c.get(f"{m.name}_skip"):
                value = None
            if m.kind is Kind.CHOICE:
                value = value or ""
            values[m.name] = value
        return CheckInData(
            **values,
            self_harm_thoughts=c.get("self_harm_thoughts"),
            note=c.get("note", "").strip(),
            integration_shifted=c.get("integration_shifted", "").strip(),
            integration_carry_forward=c.get("integration_carry_forward", "").strip(),
            activities=list(c.get("activities") or []),
            new_tag=c.get("new_tag", "").strip(),
        )


class TreatmentSessionForm(HiddenErrorsMixin, forms.Form):
    # A new one each time the "Add a session" form is drawn: posting it twice saves once.
    submission_key = forms.UUIDField(
        widget=forms.HiddenInput,
        required=False,
        error_messages={"invalid": "This form has expired. Please open it again."},
    )
    day = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Please enter a date, for example 2026-03-14."},
    )
    time = forms.TimeField(
        label="Time (your local time)",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Please enter a time, for example 14:30."},
    )
    kind = forms.ChoiceField(
        label="Kind of session",
        choices=TreatmentSession.Kind.choices,
        error_messages={"invalid_choice": "Please choose a kind of session from the list."},
    )
    dose = forms.CharField(label="Dose (optional)", max_length=60, required=False)
    provider = forms.CharField(
        label="Provider or clinic (optional)", max_length=120, required=False
    )
    intention = forms.CharField(
        label="My intention (before)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you hope to explore or let go of.",
    )
    insights = forms.CharField(
        label="Insights (after)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What came up, in your own words. You can add this later.",
    )

    @staticmethod
    def initial_from(session: TreatmentSession, zone) -> dict:
        local = session.started_at.astimezone(zone)
        return {
            "day": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
            "kind": session.kind,
            "dose": session.dose,
            "provider": session.provider,
            "intention": session.intention,
            "insights": session.insights,
        }

    def to_data(self) -> SessionData:
        c = self.cleaned_data
        return SessionData(
            day=c["day"],
            time=c["time"],
            kind=c["kind"],
            dose=c["dose"].strip(),
            provider=c["provider"].strip(),
            intention=c["intention"].strip(),
            insights=c["insights"].strip(),
        )


ITEM_KEY = re.compile(r"item_\w*")


class QuestionnaireForm(HiddenErrorsMixin, forms.Form):
    """One required 0-3 answer per item, and the form's own submission key. Any "total" in the
    post is ignored: the server scores."""

    submission_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "This form has expired. Please open the questionnaire again.",
            "invalid": "This form has expired. Please open the questionnaire again.",
        },
    )

    def __init__(self, *args, spec: Spec, **kwargs):
        kwargs.setdefault("initial", {"submission_key": uuid.uuid4()})
        super().__init__(*args, **kwargs)
        self.spec = spec
        for number, text in enumerate(spec.items, start=1):
            self.fields[f"item_{number}"] = forms.TypedChoiceField(
                label=f"{number}. {text}",
                choices=ANSWER_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": "Please choose an answer for this question.",
                    "invalid_choice": "Please choose one of the four answers.",
                },
            )

    def clean(self):
        cleaned = super().clean()
        # An answer to a question this questionnaire does not have (item_10 on a PHQ-9, a
        # GAD-7's form posted to the PHQ-9) is refused, never dropped: the score must be of
        # exactly the questions the person saw.
        extra = sorted(
            key for key in self.data if ITEM_KEY.fullmatch(key) and key not in self.fields
        )
        if extra:
            raise forms.ValidationError(
                "These answers don't match the questions of this questionnaire. Nothing was "
                "saved. Please open it again and answer the questions shown.",
                code="extra_items",
            )
        return cleaned

    def item_fields(self):
        return [self[f"item_{n}"] for n in range(1, len(self.spec.items) + 1)]

    def answers(self) -> list[int]:
        return [self.cleaned_data[f"item_{n}"] for n in range(1, len(self.spec.items) + 1)]


SAFETY_PLAN_HINTS = {
    "warning_signs": "Thoughts, feelings or situations that tell me a crisis may be coming.",
    "coping_strategies": "Things I can do by myself: a walk, music, a shower, breathing.",
    "distractions": "People and places that help me feel better or take my mind off things.",
    "people_to_ask": "Names and phone numbers of people I can ask for help.",
    "professionals": "My clinician, my care team, a crisis line, the nearest emergency room.",
    "environment_safety": "Steps to keep myself safe, such as putting away things I could use "
    "to hurt myself.",
    "reasons_for_living": "The people, plans and things that matter most to me.",
}


class SafetyPlanForm(forms.ModelForm):
    """Stanley B, Brown GK. Safety Planning Intervention: a brief intervention to mitigate
    suicide risk. Cogn Behav Pract 2012;19(2):256-264. Seven steps, in this order."""

    class Meta:
        model = SafetyPlan
        fields = list(SafetyPlan.SECTIONS)
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in SafetyPlan.SECTIONS}
        help_texts = SAFETY_PLAN_HINTS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, name in enumerate(SafetyPlan.SECTIONS, start=1):
            field = self.fields[name]
            label = str(field.label or name)
            field.label = f"Step {number}: {label[0].upper()}{label[1:]}"
            field.error_messages["max_length"] = "Please keep each step under 3,000 characters."


class OfflineCheckInForm(forms.Form):
    """The check-in the offline page offers: mood (the one required measure) and a note. The
    page keeps it on the phone and sends it later as a post to the day's check-in, where
    `CheckInForm` validates it like any other (static/js/offline.js). `version` 0 says "a day I
    have not seen saved": if the day was saved meanwhile, the stale-tab rule applies."""

    version = forms.IntegerField(widget=forms.HiddenInput, initial=0)
    note = forms.CharField(
        label="A note for yourself",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. Only you can read it, unless you choose to share notes.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        required = [m for m in measures.MEASURES if m.required]
        self.fields = {
            "version": self.fields["version"],
            **{m.name: _scale_choice(m) for m in required},
            "note": self.fields["note"],
        }

    def required_measures(self):
        return [self[m.name] for m in measures.MEASURES if m.required]


class CourseForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of course",
        choices=Course.Kind.choices,
        error_messages={"invalid_choice": "Please choose a kind of course from the list."},
    )
    medication = forms.CharField(label="Medication", max_length=60, required=False)
    route = forms.ChoiceField(
        label="How it is given",
        choices=TreatmentSession.Kind.choices,
        error_messages={"invalid_choice": "Please choose how it is given from the list."},
    )
    planned_sessions = forms.IntegerField(
        label="Sessions planned (optional)",
        required=False,
        min_value=1,
        max_value=100,
        error_messages={
            "invalid": "Please enter a whole number of sessions, for example 6.",
            "min_value": "Please enter at least 1 session, or leave it empty.",
            "max_value": "Please enter 100 sessions or fewer.",
        },
    )
    ended_on = forms.DateField(
        label="Course ended on (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave empty while the course goes on. New sessions join the open course.",
        error_messages={"invalid": "Please enter a date, for example 2026-03-14."},
    )

    @staticmethod
    def initial_from(course: Course) -> dict:
        return {
            "kind": course.kind,
            "medication": course.medication,
            "route": course.route,
            "planned_sessions": course.planned_sessions,
            "ended_on": course.ended_on,
        }

    def to_data(self) -> CourseData:
        c = self.cleaned_data
        return CourseData(
            kind=c["kind"],
            medication=c["medication"].strip(),
            route=c["route"],
            planned_sessions=c["planned_sessions"],
            ended_on=c["ended_on"],
        )


_DATE = {"invalid": "Please enter a date, for example 2026-03-14."}
_DOSE = {
    "invalid": "Please enter the dose as a number, for example 50 or 0.5.",
    "min_value": "Please enter a dose above 0.",
    "max_digits": "Please enter a dose under 1,000,000.",
    "max_decimal_places": "Please use at most two decimal places.",
}


class MedicationForm(forms.Form):
    name = forms.CharField(label="Medication", max_length=80)
    dose = forms.DecimalField(
        label="Dose (optional)",
        required=False,
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        error_messages=_DOSE,
    )
    unit = forms.CharField(label="Unit, for example mg (optional)", max_length=20, required=False)
    how_often = forms.CharField(
        label="How often, for example once a day (optional)", max_length=60, required=False
    )
    started_on = forms.DateField(
        label="Started on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages=_DATE,
    )
    stopped_on = forms.DateField(
        label="Stopped on (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages=_DATE,
    )

    @staticmethod
    def initial_from(medication: Medication) -> dict:
        return {
            name: getattr(medication, name)
            for name in ("name", "dose", "unit", "how_often", "started_on", "stopped_on")
        }

    def to_data(self) -> MedicationData:
        c = self.cleaned_data
        return MedicationData(
            name=c["name"].strip(),
            dose=c["dose"],
            unit=c["unit"].strip(),
            how_often=c["how_often"].strip(),
            started_on=c["started_on"],
            stopped_on=c["stopped_on"],
        )


class DoseChangeForm(forms.Form):
    day = forms.DateField(
        label="New dose from",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages=_DATE,
    )
    dose = forms.DecimalField(
        label="New dose",
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        error_messages=_DOSE,
    )
    unit = forms.CharField(label="Unit (optional)", max_length=20, required=False)


def _bp_field(label: str, low: int, high: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        error_messages={
            "invalid": "Please enter a whole number, for example 120.",
            "min_value": f"Please check this number: readings go from {low} to {high}.",
            "max_value": f"Please check this number: readings go from {low} to {high}.",
        },
    )


class SessionCheckForm(forms.Form):
    """How the session felt and its after-effects: about 30 seconds. Our own wording."""

    moment = forms.ChoiceField(
        label="When is this?", choices=Moment.CHOICES, widget=forms.RadioSelect
    )
    felt = forms.IntegerField(
        label="How did the session feel overall? (0 = very hard, 10 = very good)",
        min_value=0,
        max_value=10,
        widget=forms.NumberInput(attrs={"type": "range", "min": 0, "max": 10}),
        error_messages={
            "required": "Please choose a number from 0 to 10.",
            "invalid": "Please choose a number from 0 to 10.",
            "min_value": "Please choose a number from 0 to 10.",
            "max_value": "Please choose a number from 0 to 10.",
        },
    )
    bp_before_systolic = _bp_field("Blood pressure before: the higher number (optional)", 60, 260)
    bp_before_diastolic = _bp_field("Blood pressure before: the lower number (optional)", 30, 160)
    bp_after_systolic = _bp_field("Blood pressure after: the higher number (optional)", 60, 260)
    bp_after_diastolic = _bp_field("Blood pressure after: the lower number (optional)", 30, 160)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, words in EFFECTS:
            self.fields[f"effect_{key}"] = forms.TypedChoiceField(
                label=words,
                choices=LEVELS,
                coerce=int,
                initial=0,
                widget=forms.RadioSelect,
                error_messages={"required": "Please choose none, mild, moderate or severe."},
            )

    def clean(self):
        cleaned = super().clean() or {}
        for which in ("before", "after"):
            high = cleaned.get(f"bp_{which}_systolic")
            low = cleaned.get(f"bp_{which}_diastolic")
            if (high is None) != (low is None):
                raise forms.ValidationError(
                    f"Please enter both numbers of the blood pressure {which}, or neither."
                )
        return cleaned

    def to_data(self) -> SessionCheckData:
        c = self.cleaned_data

        def reading(which: str):
            high, low = c.get(f"bp_{which}_systolic"), c.get(f"bp_{which}_diastolic")
            return (high, low) if high is not None and low is not None else None

        return SessionCheckData(
            moment=c["moment"],
            felt=c["felt"],
            effects={key: c[f"effect_{key}"] for key, _ in EFFECTS},
            bp_before=reading("before"),
            bp_after=reading("after"),
        )


class ChecklistForm(forms.Form):
    ticked = forms.MultipleChoiceField(
        label="Before your session",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Please tick items from the list."},
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["ticked"]).choices = choices
