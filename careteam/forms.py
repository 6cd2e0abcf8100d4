from django import forms

from .models import Membership

SCOPE_NOTES_HELP = (
    "The words you write: daily notes, integration reflections, and session intentions and "
    "insights. Off unless you turn it on."
)


class ScopeForm(forms.Form):
    scope_trends = forms.BooleanField(
        label="Trends and questionnaires",
        required=False,
        initial=True,
        help_text=(
            "Your check-in numbers (mood, sleep, energy and the rest), PHQ-9 and GAD-7 scores, "
            "and the dates of treatment sessions."
        ),
    )
    scope_notes = forms.BooleanField(
        label="Daily notes and session insights",
        required=False,
        initial=False,
        help_text=SCOPE_NOTES_HELP,
    )
    expires_on = forms.DateField(
        label="Stop sharing on (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Sharing ends after this day. Leave it empty to share until you stop it.",
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("scope_trends") and not cleaned.get("scope_notes"):
            raise forms.ValidationError(
                "Choose at least one thing to share, or use “Stop sharing” to end it."
            )
        return cleaned


class JoinCodeForm(ScopeForm):
    code = forms.CharField(
        label="Team code",
        max_length=20,
        help_text="The short code your clinic or coach gave you, for example HARB7K2M.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    field_order = ["code", "scope_trends", "scope_notes", "expires_on"]


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label="Their email address")
    role = forms.ChoiceField(label="Role in the team", choices=Membership.Role.choices)
