from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings

from .countries import COUNTRIES
from .models import User
from .push import push_enabled
from .schedule import reminder_schedule_refresh
from .timezones import is_valid_timezone, timezone_names
from .trusted import apply_trusted_expiry, keep_signed_in_request


class TimeZoneField(forms.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("choices", [(name, name.replace("_", " ")) for name in timezone_names()])
        kwargs.setdefault("label", "Time zone")
        kwargs.setdefault(
            "help_text", "Decides when your day starts and ends, and when reminders arrive."
        )
        super().__init__(**kwargs)


class LoginForm(AllauthLoginForm):
    """allauth's sign-in, with "Keep me signed in on this phone" (off unless ticked) in place
    of its "Remember me": see accounts/trusted.py for what it does and does not skip."""

    keep_signed_in = forms.BooleanField(
        label="Keep me signed in on this phone",
        required=False,
        help_text=(
            "For 30 days you won't need to sign in here, so a reminder opens your check-in "
            "straight away. Only tick this on a phone that is yours alone: anyone holding it "
            "could read your journal. Sharing, downloads, settings and deleting still ask for "
            "your password."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = settings.TRUSTED_DEVICE_DAYS
        if days != 30:
            help_text = str(self.fields["keep_signed_in"].help_text)
            self.fields["keep_signed_in"].help_text = help_text.replace("30 days", f"{days} days")

    def login(self, request, redirect_url=None):
        keep_signed_in_request(
            request.session,
            user=getattr(self, "user", None),  # set by allauth's clean() when the password fits
            wanted=self.cleaned_data["keep_signed_in"],
        )
        response = super().login(request, redirect_url)
        # allauth ends every password sign-in with set_expiry(0) (a browser-session cookie);
        # a trusted device keeps its fixed end instead.
        apply_trusted_expiry(request.session)
        return response


class SignupForm(AllauthSignupForm):
    """allauth's signup plus what makes the first week work: a name, the browser's time zone
    (filled in by static/js/app.js; UTC if scripts are off) and the daily reminder choice."""

    display_name = forms.CharField(
        label="What should we call you? (optional)", max_length=80, required=False
    )
    time_zone = forms.CharField(
        widget=forms.HiddenInput(attrs={"data-browser-timezone": ""}), required=False
    )
    reminder_enabled = forms.BooleanField(
        label="Send me a gentle daily check-in reminder by email", required=False, initial=True
    )
    reminder_time = forms.TimeField(
        label="Reminder time (your local time)",
        initial="20:00",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(
            ["email", "password1", "display_name", "reminder_enabled", "reminder_time", "time_zone"]
        )

    def clean_time_zone(self) -> str:
        value = self.cleaned_data.get("time_zone") or "UTC"
        # An unknown value from a tampered or old browser falls back quietly; the patient can
        # pick their zone in settings, and "UTC" is never a wrong answer to store.
        return value if is_valid_timezone(value) else "UTC"

    def save(self, request):
        user = super().save(request)
        user.display_name = self.cleaned_data["display_name"]
        user.time_zone = self.cleaned_data["time_zone"]
        user.reminder_enabled = self.cleaned_data["reminder_enabled"]
        user.reminder_time = self.cleaned_data["reminder_time"]
        user.save(update_fields=["display_name", "time_zone", "reminder_enabled", "reminder_time"])
        reminder_schedule_refresh(user=user)
        return user


def _country_choices() -> list[tuple[str, str]]:
    return [("", f"Not chosen ({settings.CRISIS_REGION} lines)"), *COUNTRIES]


PUSH_FIELDS = (
    "reminder_push",
    "questionnaire_reminder_push",
    "weekly_push",
    "integration_reminders_push",
)
PUSH_HELP = "A notification on the phones and computers where you turn them on (below)."


class ProfileSettingsForm(forms.ModelForm):
    """Name, time zone, and each kind of reminder by email and, where the server has Web Push
    set up, by notification: the notification switches are left out when it has not."""

    time_zone = TimeZoneField()
    country = forms.ChoiceField(
        label="Country, for crisis lines",
        choices=_country_choices,
        required=False,
        help_text="Which crisis lines “Need help now?” shows you.",
        # static/js/app.js offers the country the device suggests.
        widget=forms.Select(attrs={"data-region-select": ""}),
    )

    class Meta:
        model = User
        fields = [
            "display_name",
            "time_zone",
            "country",
            "reminder_enabled",
            "reminder_push",
            "reminder_time",
            "questionnaire_reminder_enabled",
            "questionnaire_reminder_push",
            "weekly_email_enabled",
            "weekly_push",
            "integration_reminders_enabled",
            "integration_reminders_push",
        ]
        widgets = {"reminder_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        help_texts = {name: PUSH_HELP for name in PUSH_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not push_enabled():
            for name in PUSH_FIELDS:
                del self.fields[name]

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class AccountDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that this deletes my journal for good, and it can't be undone",
        error_messages={"required": "Tick the box to say you understand, or go back."},
    )
