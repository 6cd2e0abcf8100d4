import datetime as dt

from django import forms

from journal.access import SCOPE_LABELS, Scope
from journal.models import SafetyPlan
from journal.safety import section_label

from .models import SHARE_END_MAX_DAYS, SHARE_END_TOO_FAR, Membership, Outreach
from .rhythms import RHYTHM_MAX_DAYS

# One tick box per scope, in this order: (scope, form field name, ticked for a new share, help).
SCOPE_CHOICES = (
    (
        Scope.TRENDS,
        "scope_trends",
        True,
        "Your check-in numbers (mood, sleep, energy and the rest), PHQ-9 and GAD-7 scores, "
        "and the dates of treatment sessions. Also the names of the activity tags on your "
        "check-ins, including tags you named yourself, in the “What helps” chart: name a tag "
        "with words you are happy for the team to read.",
    ),
    (
        Scope.NOTES,
        "scope_notes",
        False,
        "The words you write: daily notes, integration reflections, and session intentions and "
        "insights. Off unless you turn it on.",
    ),
    (
        Scope.CONTACT,
        "scope_contact",
        False,
        "The phone number and email you give under “How your care team can reach you”, so "
        "they can get in touch if a warning sign shows up. Off unless you turn it on.",
    ),
    (
        Scope.SAFETY_PLAN,
        "scope_safety_plan",
        False,
        "Your safety plan, so you can work on it together: the team can suggest additions, and "
        "nothing changes in it unless you accept. Off unless you turn it on.",
    ),
    (
        Scope.CLINIC_ENTRIES,
        "scope_clinic_entries",
        False,
        "At the clinic, a team member may fill in your after-session check for you (how the "
        "session felt, after-effects, blood pressure). Each one they enter is marked as theirs, "
        "you can read it, and it shows in “Who viewed my journal”. Off unless you turn it on.",
    ),
)


def scope_initial(scope: Scope) -> dict[str, bool]:
    """The tick boxes for an existing share's scope."""
    return {name: part in scope for part, name, _, _ in SCOPE_CHOICES}


class ScopeForm(forms.Form):
    """What a team may see and until when. `choice()` gives the one scope value the boxes make,
    and the last day."""

    expires_on = forms.DateField(
        label="Stop sharing on (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Sharing ends after this day. Leave it empty to share until you stop it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        boxes = {
            name: forms.BooleanField(
                label=SCOPE_LABELS[part], required=False, initial=ticked, help_text=help_text
            )
            for part, name, ticked, help_text in SCOPE_CHOICES
        }
        # The boxes first, then whatever the subclass adds, then the last day.
        self.fields = {**boxes, **self.fields}
        self.fields["expires_on"] = self.fields.pop("expires_on")

    def clean_expires_on(self):
        # Checked again, in the patient's own time zone, by the service; here so that a date
        # like 9999-12-31 never reaches one (its next midnight is past the calendar's end).
        expires_on = self.cleaned_data.get("expires_on")
        latest = dt.datetime.now(tz=dt.UTC).date() + dt.timedelta(days=SHARE_END_MAX_DAYS + 1)
        if expires_on and expires_on > latest:
            raise forms.ValidationError(SHARE_END_TOO_FAR)
        return expires_on

    def scope_fields(self):
        return [self[name] for _, name, _, _ in SCOPE_CHOICES]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        scope = Scope(0)
        for part, name, _, _ in SCOPE_CHOICES:
            if cleaned.get(name):
                scope |= part
        if not scope:
            raise forms.ValidationError(
                "Choose at least one thing to share, or use “Stop sharing” to end it."
            )
        cleaned["scope"] = scope
        return cleaned

    def choice(self) -> dict:
        """The cleaned choice as services take it: `scope` and `expires_on`."""
        return {"scope": self.cleaned_data["scope"], "expires_on": self.cleaned_data["expires_on"]}


class JoinCodeForm(ScopeForm):
    code = forms.CharField(
        label="Team code",
        max_length=20,
        help_text="The short code your clinic or coach gave you, for example HARB7K2M.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"code": self.fields.pop("code"), **self.fields}


class MemberInviteForm(forms.Form):
    # 254: the longest address email allows (RFC 5321) and the column holds.
    email = forms.EmailField(
        label="Their email address",
        max_length=254,
        error_messages={
            "max_length": "That address is longer than any email address can be (254 "
            "characters at most). Please check it."
        },
    )
    role = forms.ChoiceField(label="Role in the team", choices=Membership.Role.choices)


class ContactDetailsForm(forms.Form):
    """The patient's own details for their care team; both empty removes them."""

    phone = forms.CharField(
        label="Phone number",
        max_length=32,
        required=False,
        help_text="With the area code, for example +44 7700 900123.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,
        help_text="It can differ from the one you sign in with.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class OutreachForm(forms.Form):
    """A care-team member records reaching out: when (their own local time), how, the outcome
    and an optional note for the team."""

    at = forms.DateTimeField(
        label="When",
        help_text="Your local time.",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    how = forms.ChoiceField(label="How", choices=Outreach.How.choices)
    outcome = forms.ChoiceField(label="What came of it", choices=Outreach.Outcome.choices)
    note = forms.CharField(
        label="Note for the team (optional)",
        required=False,
        max_length=2000,
        help_text="Only your team sees it; the patient never does.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _plan_steps() -> list[tuple[str, str]]:
    return [(name, section_label(name)) for name in SafetyPlan.SECTIONS]


class PlanSuggestionForm(forms.Form):
    """A team member suggests an addition to one step of the patient's safety plan."""

    section = forms.ChoiceField(label="Which step", choices=_plan_steps)
    text = forms.CharField(
        label="What you suggest adding",
        max_length=1000,
        help_text="In plain words the patient would use. They choose whether to add it.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RhythmForm(forms.Form):
    """How often the team asks this patient for the PHQ-9 and GAD-7. Empty: Tideline's
    default (every QUESTIONNAIRE_DUE_DAYS days; the PHQ-9 also before each booked session)."""

    phq9_every_days = forms.IntegerField(
        label="PHQ-9 every how many days (optional)",
        required=False,
        min_value=1,
        max_value=RHYTHM_MAX_DAYS,
        help_text="Leave empty for Tideline's default (every 2 weeks unless set otherwise). "
        "The PHQ-9 is always asked before a booked session.",
    )
    gad7_every_days = forms.IntegerField(
        label="GAD-7 every how many days (optional)",
        required=False,
        min_value=1,
        max_value=RHYTHM_MAX_DAYS,
        help_text="Leave empty for Tideline's default (every 2 weeks unless set otherwise).",
    )
    gad7_before_session = forms.BooleanField(
        label="Also ask the GAD-7 before each booked session", required=False
    )
