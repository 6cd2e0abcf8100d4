from __future__ import annotations

from django import forms


class RangeForm(forms.Form):
    """The days a report covers (in a GET for the preview: dates only, never words)."""

    start = forms.DateField(
        label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label="To", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ReportForm(RangeForm):
    talk_about = forms.CharField(
        label="What I want to talk about",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Optional. What you'd like to bring up at the appointment.",
    )
    shared = forms.BooleanField(
        label="Let the care teams that see my trends see this report, with what I want to talk "
        "about",
        required=False,
    )
