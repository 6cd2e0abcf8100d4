"""The import pages' forms: the file, then the person's choices in the preview."""

from __future__ import annotations

from django import forms

from .jobs import MAX_BYTES
from .preview import Choices, Preview

MOOD_SCORES = [("", "Choose…"), *((str(n), str(n)) for n in range(11))]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Your export file",
        help_text="A Daylio CSV export, or a CSV or ZIP file you downloaded from Tideline "
        f"({MAX_BYTES // (1024 * 1024)} MB at most).",
        error_messages={"required": "Please choose a file.", "empty": "This file is empty."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"This file is larger than {MAX_BYTES // (1024 * 1024)} MB, far more than a "
                "journal export. Please check it is the right file."
            )
        return upload


class ChoicesForm(forms.Form):
    """One field per mood label and per activity, named by position in the preview (labels are
    anyone's text), then what to do with days already here and with bad lines."""

    overwrite = forms.TypedChoiceField(
        label="Days you already have in Tideline",
        choices=[("no", "Leave them as they are"), ("yes", "Replace them with the file's")],
        coerce=lambda v: v == "yes",
        initial="no",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, shown: Preview, **kwargs):
        super().__init__(*args, **kwargs)
        self.shown = shown
        for i, mood in enumerate(shown.moods):
            self.fields[f"mood_{i}"] = forms.TypedChoiceField(
                label=mood.label,
                choices=MOOD_SCORES,
                coerce=int,
                initial="" if mood.default is None else str(mood.default),
                error_messages={"required": f"Choose a number from 0 to 10 for “{mood.label}”."},
            )
        for i, activity in enumerate(shown.activities):
            options = [("", "Leave it out")]
            if not activity.existing and activity.default:
                options.append((activity.name, f"A new tag: {activity.name}"))
            options += [(name, name) for name in shown.tag_options]
            self.fields[f"tag_{i}"] = forms.ChoiceField(
                label=activity.name, choices=options, initial=activity.default, required=False
            )
        if shown.bad:
            count = len(shown.bad)
            self.fields["skip_bad"] = forms.BooleanField(
                label=f"Leave out the {count} line{'s' if count != 1 else ''} that can't be "
                "read, and bring in the rest",
                required=False,
            )

    def mood_fields(self):
        return [(m, self[f"mood_{i}"]) for i, m in enumerate(self.shown.moods)]

    def tag_fields(self):
        return [(a, self[f"tag_{i}"]) for i, a in enumerate(self.shown.activities)]

    def to_choices(self) -> Choices:
        data = self.cleaned_data
        return Choices(
            moods={m.label: data[f"mood_{i}"] for i, m in enumerate(self.shown.moods)},
            tags={a.name: data[f"tag_{i}"] for i, a in enumerate(self.shown.activities)},
            overwrite=data["overwrite"],
            skip_bad=data.get("skip_bad", False),
        )
