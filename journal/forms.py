"""Journal forms: validation and kind error messages. Rules that must hold on every path (ranges,
one row per day) are also database constraints; the service decides which days may be logged."""

import uuid

from django import forms

from .models import SCALE_FIELDS, CheckIn, SafetyPlan, TreatmentSession
from .questionnaires import ANSWER_CHOICES, Spec
from .services import CheckInData, SessionData

SCALE_LABELS = {
    "energy": ("Energy", "0 = none at all, 10 = plenty"),
    "interest": ("Interest in things", "0 = nothing interests me, 10 = lots does"),
    "anxiety": ("Anxiety", "0 = calm, 10 = very anxious"),
    "irritability": ("Irritability", "0 = not at all, 10 = very irritable"),
    "self_worth": ("Self-worth", "0 = very low, 10 = I feel good about myself"),
    "connection": ("Connection with people", "0 = very alone, 10 = very connected"),
}
SLEEP_QUALITY_CHOICES = [
    ("", "Not answered"),
    (1, "1 · Very poor"),
    (2, "2 · Poor"),
    (3, "3 · Okay"),
    (4, "4 · Good"),
    (5, "5 · Very good"),
]
SELF_HARM_CHOICES = [("", "I'd rather not answer"), ("no", "No"), ("yes", "Yes")]
TAG_REFUSED = "One of the tags isn't available to you. Please choose from the list."


def _to_bool(value):
    return {"yes": True, "no": False}.get(value)


class HiddenErrorsMixin:
    """Errors of hidden fields (a tampered version or submission key) have nowhere to show next
    to a control; say them at the top of the form instead."""

    def full_clean(self):
        super().full_clean()
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.HiddenInput) and name in self._errors:
                for error in self._errors.pop(name):
                    self._errors.setdefault("__all__", self.error_class(error_class="nonfield"))
                    self._errors["__all__"].append(error)


class RangeInput(forms.NumberInput):
    input_type = "range"


class CheckInForm(HiddenErrorsMixin, forms.Form):
    """The daily check-in. Optional 0-10 scales come with a "skip" box that is ticked until the
    slider is moved (static/js/checkin.js), so an untouched slider saves nothing, not a 5."""

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
    mood = forms.TypedChoiceField(
        label="Mood today",
        choices=[(i, str(i)) for i in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please choose a number for your mood, from 0 (lowest) to 10 (best).",
            "invalid_choice": "Mood is a whole number from 0 to 10.",
        },
    )
    sleep_hours = forms.DecimalField(
        label="Hours slept last night",
        required=False,
        min_value=0,
        max_value=24,
        max_digits=3,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
        help_text="Optional. For example 7 or 6.5.",
        error_messages={
            "min_value": "Hours of sleep can't be below 0.",
            "max_value": "Hours of sleep can't be more than 24.",
            "max_decimal_places": "Please use at most one decimal place, like 6.5.",
            "max_digits": "Hours of sleep is a number from 0 to 24, like 7.5.",
            "invalid": "Hours of sleep is a number from 0 to 24, like 7.5.",
        },
    )
    sleep_quality = forms.TypedChoiceField(
        label="How well did you sleep?",
        choices=SLEEP_QUALITY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Sleep quality is from 1 (very poor) to 5 (very good)."},
    )
    appetite = forms.ChoiceField(
        label="Appetite",
        choices=[("", "Not answered"), *CheckIn.Appetite.choices],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Please choose less, as usual or more."},
    )
    activities = forms.ModelMultipleChoiceField(
        label="What was part of your day?",
        queryset=None,
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

    def __init__(self, *args, activities, integration: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activities"].queryset = activities
        for name in SCALE_FIELDS:
            label, hint = SCALE_LABELS[name]
            self.fields[name] = forms.IntegerField(
                label=label,
                required=False,
                min_value=0,
                max_value=10,
                initial=5,
                help_text=hint,
                widget=RangeInput(attrs={"min": 0, "max": 10, "step": 1, "data-scale": name}),
                error_messages={
                    "min_value": f"{label} is from 0 to 10.",
                    "max_value": f"{label} is from 0 to 10.",
                    "invalid": f"{label} is a whole number from 0 to 10.",
                },
            )
            self.fields[f"{name}_skip"] = forms.BooleanField(
                label=f"Skip {label.lower()}",
                required=False,
                initial=True,
                widget=forms.CheckboxInput(attrs={"data-skip-for": name}),
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
            "mood": checkin.mood,
            "sleep_hours": checkin.sleep_hours,
            "sleep_quality": checkin.sleep_quality,
            "appetite": checkin.appetite,
            "activities": list(checkin.activities.all()),
            "note": checkin.note,
            "self_harm_thoughts": {True: "yes", False: "no"}.get(checkin.self_harm_thoughts, ""),
            "integration_shifted": checkin.integration_shifted,
            "integration_carry_forward": checkin.integration_carry_forward,
        }
        for name in SCALE_FIELDS:
            value = getattr(checkin, name)
            initial[name] = 5 if value is None else value
            initial[f"{name}_skip"] = value is None
        return initial

    def scale_groups(self):
        """(value field, skip field) pairs, in order, for the template."""
        return [(self[name], self[f"{name}_skip"]) for name in SCALE_FIELDS]

    def to_data(self) -> CheckInData:
        c = self.cleaned_data
        scales = {name: (None if c.get(f"{name}_skip") else c.get(name)) for name in SCALE_FIELDS}
        return CheckInData(
            mood=c["mood"],
            **scales,
            sleep_hours=c.get("sleep_hours"),
            sleep_quality=c.get("sleep_quality"),
            appetite=c.get("appetite") or "",
            self_harm_thoughts=c.get("self_harm_thoughts"),
            note=c.get("note", "").strip(),
            integration_shifted=c.get("integration_shifted", "").strip(),
            integration_carry_forward=c.get("integration_carry_forward", "").strip(),
            activities=list(c.get("activities") or []),
            new_tag=c.get("new_tag", "").strip(),
        )


class TreatmentSessionForm(forms.Form):
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
            field.label = f"Step {number}: {field.label[0].upper()}{field.label[1:]}"
            field.error_messages["max_length"] = "Please keep each step under 3,000 characters."
