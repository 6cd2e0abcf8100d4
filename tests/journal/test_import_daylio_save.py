"""Saving a Daylio import: several entries a day into one check-in, moods mapped, activities to
tags, bad lines only if agreed, one transaction, nothing new on a second import, and days
already in Tideline left alone unless the person chooses to overwrite them."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from journal.imports import daylio
from journal.imports.preview import Choices, preview, problems
from journal.imports.save import ImportRefused, import_file
from journal.models import Activity, CheckIn, WeeklySummary
from journal.services import OWN_TAG_LIMIT
from tests.factories import CheckInFactory
from tests.journal.daylio_files import export, row

pytestmark = pytest.mark.django_db


def parsed_for(patient, *rows):
    return daylio.parse(export(*rows), today=patient.today())


def chosen(patient, parsed, **changes) -> Choices:
    choices = preview(patient, parsed).default_choices()
    for name, value in changes.items():
        setattr(choices, name, value)
    return choices


def days_of(patient):
    return {
        c.day: c for c in CheckIn.objects.filter(patient=patient).prefetch_related("activities")
    }


def test_several_entries_on_a_day_become_one_check_in(patient):
    today = patient.today()
    d1, d2, d3 = (today - dt.timedelta(days=n) for n in (3, 2, 1))
    parsed = parsed_for(
        patient,
        row(d3, "9:00 PM", "good", ["walk"]),  # 7 and 8 -> 7.5 -> 8 (halves up)
        row(d3, "8:00 AM", "Stormy", [], "woke early"),
        row(d2, "10:00 PM", "rad", ["friends"], "dinner out"),  # 9, 7, 3 -> 6.33 -> 6
        row(d2, "1:00 PM", "good", ["walk", "Friends "], "lunch<br>with Sam"),
        row(d2, "7:30 AM", "bad", [], ""),
        row(d1, "18:00", "meh", ["work"], "just one"),
    )
    choices = chosen(patient, parsed, moods={**chosen(patient, parsed).moods, "Stormy": 8})

    result = import_file(patient=patient, parsed=parsed, choices=choices)

    assert (result.counts.created, result.counts.kept) == (3, 0)
    saved = days_of(patient)
    assert saved[d3].mood == 8
    assert saved[d3].note == "08:00: woke early"
    assert saved[d2].mood == 6
    assert saved[d2].note == "13:00: lunch\nwith Sam\n\n22:00: dinner out"
    # "friends" and "Friends " are one tag, whatever the case, as in the check-in form.
    assert sorted(a.name.lower() for a in saved[d2].activities.all()) == ["friends", "walk"]
    assert saved[d1].note == "just one" and saved[d1].mood == 5


def test_the_preview_lists_each_mood_label_with_a_default_only_for_daylios_own(patient):
    today = patient.today()
    parsed = parsed_for(
        patient,
        *(
            row(today - dt.timedelta(days=n), "9:00 PM", m)
            for n, m in enumerate(
                ["RAD", "good", "meh", "bad", "awful", "Stormy", "Stormy", "Okay-ish"]
            )
        ),
    )

    shown = preview(patient, parsed)

    assert [(m.label, m.entries, m.default) for m in shown.moods] == [
        ("RAD", 1, 9),
        ("good", 1, 7),
        ("meh", 1, 5),
        ("bad", 1, 3),
        ("awful", 1, 1),
        ("Stormy", 2, None),
        ("Okay-ish", 1, None),
    ]
    assert (shown.entries, shown.days) == (8, 8)


def test_an_unmapped_label_stops_the_import_and_nothing_is_saved(patient):
    today = patient.today()
    parsed = parsed_for(
        patient,
        row(today, "9:00 PM", "good", ["new thing"]),
        row(today - dt.timedelta(days=1), "9:00 PM", "Stormy"),
    )

    with pytest.raises(ImportRefused) as refused:
        import_file(patient=patient, parsed=parsed, choices=chosen(patient, parsed))

    assert "“Stormy”" in refused.value.messages[0]
    assert not CheckIn.objects.filter(patient=patient).exists()
    assert not Activity.objects.filter(owner=patient).exists()


def test_bad_lines_are_left_out_only_if_the_person_agrees(patient):
    today = patient.today()
    parsed = parsed_for(
        patient,
        row(today, "9:00 PM", "good"),
        row(today - dt.timedelta(days=1), "not a time", "good"),
    )

    with pytest.raises(ImportRefused, match="1 line can't be read"):
        import_file(patient=patient, parsed=parsed, choices=chosen(patient, parsed))
    assert not CheckIn.objects.filter(patient=patient).exists()

    import_file(patient=patient, parsed=parsed, choices=chosen(patient, parsed, skip_bad=True))
    assert list(CheckIn.objects.filter(patient=patient).values_list("day", flat=True)) == [today]


def test_it_is_one_transaction_a_record_that_breaks_a_rule_saves_nothing(patient):
    """The file's newest days are fine; its oldest is 31 years back, past an import's reach:
    the import stops there, and the days and the new tag already written are rolled back."""
    today = patient.today()
    parsed = parsed_for(
        patient,
        row(today, "9:00 PM", "good", ["brand new tag"]),
        row(today - dt.timedelta(days=1), "9:00 PM", "good"),
        row(today - dt.timedelta(days=366 * 31), "9:00 PM", "good"),
    )

    with pytest.raises(ValidationError, match="can't be brought in"):
        import_file(patient=patient, parsed=parsed, choices=chosen(patient, parsed))

    assert not CheckIn.objects.filter(patient=patient).exists()
    assert not Activity.objects.filter(owner=patient).exists()


def test_ten_year_old_days_come_in_though_the_form_stops_at_a_year(patient, post_checkin):
    long_ago = patient.today() - dt.timedelta(days=3650)
    parsed = parsed_for(patient, row(long_ago, "9:00 PM", "bad"))

    import_file(patient=patient, parsed=parsed, choices=chosen(patient, parsed))

    assert CheckIn.objects.get(patient=patient).day == long_ago
    assert post_checkin(day=long_ago - dt.timedelta(days=1)).status_code == 400


def test_importing_the_same_file_again_creates_nothing_new(patient):
    today = patient.today()
    parsed = parsed_for(
        patient,
        row(today, "9:00 PM", "good", ["walk"], "hi"),
        row(today - dt.timedelta(days=1), "9:00 PM", "bad", ["work"]),
    )
    import_file(patient=patient, parsed=parsed, choices=chosen(patient, parsed))
    before = list(CheckIn.objects.filter(patient=patient).values_list("day", "mood", "version"))
    tags = Activity.objects.filter(owner=patient).count()

    again = import_file(patient=patient, parsed=parsed, choices=chosen(patient, parsed))
    overwriting = import_file(
        patient=patient, parsed=parsed, choices=chosen(patient, parsed, overwrite=True)
    )

    assert (again.counts.created, again.counts.kept) == (0, 2)
    assert (overwriting.counts.created, overwriting.counts.unchanged) == (0, 2)
    after = list(CheckIn.objects.filter(patient=patient).values_list("day", "mood", "version"))
    assert after == before
    assert Activity.objects.filter(owner=patient).count() == tags


def test_a_day_already_in_tideline_is_left_alone_unless_the_person_overwrites(patient):
    today = patient.today()
    CheckInFactory(patient=patient, day=today, mood=2, note="written in Tideline")
    parsed = parsed_for(patient, row(today, "9:00 PM", "rad", [], "from Daylio"))
    assert preview(patient, parsed).already_here == 1

    kept = import_file(patient=patient, parsed=parsed, choices=chosen(patient, parsed))
    assert kept.counts.kept == 1
    assert CheckIn.objects.get(patient=patient).note == "written in Tideline"

    replaced = import_file(
        patient=patient, parsed=parsed, choices=chosen(patient, parsed, overwrite=True)
    )
    assert replaced.counts.replaced == 1
    checkin = CheckIn.objects.get(patient=patient)
    assert (checkin.mood, checkin.note, checkin.version) == (9, "from Daylio", 2)


def test_activities_go_to_existing_tags_new_tags_or_are_left_out(patient):
    Activity.objects.create(owner=patient, name="Sea swim")
    parsed = parsed_for(
        patient,
        row(patient.today(), "9:00 PM", "good", ["sea SWIM", "movement", "gaming", "secret"]),
    )
    shown = preview(patient, parsed)
    assert {a.name: (a.default, a.existing) for a in shown.activities} == {
        "sea SWIM": ("Sea swim", True),
        "movement": ("Movement", True),
        "gaming": ("gaming", False),
        "secret": ("secret", False),
    }
    choices = shown.default_choices()
    choices.tags["secret"] = ""  # leave it out
    choices.tags["gaming"] = "Rest"  # under a built-in tag

    result = import_file(patient=patient, parsed=parsed, choices=choices)

    checkin = CheckIn.objects.get(patient=patient)
    assert sorted(a.name for a in checkin.activities.all()) == ["Movement", "Rest", "Sea swim"]
    assert result.tags_made == []
    assert set(Activity.objects.filter(owner=patient).values_list("name", flat=True)) == {
        "Sea swim"
    }


def test_more_new_tags_than_the_limit_is_refused_with_a_way_out(patient):
    names = [f"thing {n}" for n in range(OWN_TAG_LIMIT + 1)]
    parsed = parsed_for(patient, row(patient.today(), "9:00 PM", "good", names))

    [reason] = problems(patient, parsed, chosen(patient, parsed))

    assert f"That would make {OWN_TAG_LIMIT + 1} tags of your own" in reason


def test_another_patients_journal_is_untouched(patient, other_patient):
    today = patient.today()
    CheckInFactory(patient=other_patient, day=today, mood=1, note="theirs")
    parsed = parsed_for(patient, row(today, "9:00 PM", "rad", ["walk"], "mine"))

    import_file(patient=patient, parsed=parsed, choices=chosen(patient, parsed, overwrite=True))

    theirs = CheckIn.objects.get(patient=other_patient)
    assert (theirs.mood, theirs.note, theirs.version) == (1, "theirs", 1)
    assert CheckIn.objects.get(patient=patient).note == "mine"
    assert not Activity.objects.filter(owner=other_patient).exists()


def test_the_weeks_and_warning_signs_are_worked_out_once_after_the_import(
    patient, tasks_run_here, django_capture_on_commit_callbacks
):
    today = patient.today()
    parsed = parsed_for(
        patient, *(row(today - dt.timedelta(days=n), "9:00 PM", "good") for n in range(30))
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_file(patient=patient, parsed=parsed, choices=chosen(patient, parsed))

    assert len(callbacks) == 1  # one refresh for the whole history, not one per day
    assert WeeklySummary.objects.filter(patient=patient).count() >= 5
