"""Reading Daylio's CSV export: columns by header name, every form of the file, times in both
clocks, HTML and raw new lines in notes, and bad lines with their line numbers and reasons."""

import datetime as dt

import pytest

from journal.imports import daylio
from journal.imports.parsed import FileProblem, html_to_text
from tests.journal.daylio_files import CURRENT, FORM_2018, NEWER, OLDER, export, quoted, row

TODAY = dt.date(2026, 3, 10)
D1, D2 = dt.date(2026, 3, 2), dt.date(2026, 3, 1)


def test_the_current_form_with_a_byte_order_mark_and_crlf():
    data = export(
        row(D1, "8:30 PM", "good", ["work ", " family"], "Long day<br>but <b>fine</b>", "Tue"),
        row(D1, "7:05 am", "meh"),
        row(D2, "18:45", "rad", ["walk"], "line one\nline two"),
    )
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data

    parsed = daylio.parse(data, today=TODAY)

    assert parsed.bad == []
    first, second, third = parsed.entries
    assert (first.day, first.time, first.mood) == (D1, dt.time(20, 30), "good")
    assert first.activities == ["work", "family"]
    assert first.note == "Tue\nLong day\nbut fine"
    assert (second.time, second.activities, second.note) == (dt.time(7, 5), [], "")
    assert (third.day, third.time, third.note) == (D2, dt.time(18, 45), "line one\nline two")
    assert parsed.moods == {"good": 1, "meh": 1, "rad": 1}
    assert parsed.activities == {"work": 1, "family": 1, "walk": 1}


def test_columns_are_found_by_name_in_every_form():
    older = f"{D1},{quoted('March 2')},Monday,9:00 PM,bad,{quoted('work')},{quoted('no title col')}"
    newer = (
        f"{D1},{quoted('March 2')},Monday,9:00 PM,awful,{quoted('')},{quoted('t')},"
        f"{quoted('n')},{quoted('sleep: 3')}"
    )
    form_2018 = (
        f"2018,{quoted('May 14')},Monday,10:00 pm,good,{quoted('walk | friends')},{quoted('old')}"
    )
    shuffled = f"mood,note,full_date,time,activities\nmeh,hello,{D2},12:00 PM,reading\n"

    assert daylio.parse(export(older, header=OLDER), today=TODAY).entries[0].note == "no title col"
    new = daylio.parse(export(newer, header=NEWER), today=TODAY)
    assert (new.entries[0].mood, new.entries[0].note, new.scales_ignored) == ("awful", "t\nn", True)
    old = daylio.parse(export(form_2018, header=FORM_2018, bom=False, crlf=False), today=TODAY)
    entry = old.entries[0]
    assert (entry.day, entry.time, entry.activities) == (
        dt.date(2018, 5, 14),
        dt.time(22, 0),
        ["walk", "friends"],
    )
    moved = daylio.parse(shuffled.encode(), today=TODAY).entries[0]
    assert (moved.day, moved.time, moved.mood, moved.note) == (D2, dt.time(12, 0), "meh", "hello")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8:30 PM", dt.time(20, 30)),
        ("10:00 pm", dt.time(22, 0)),
        ("8:30 p.m.", dt.time(20, 30)),
        ("12:15 AM", dt.time(0, 15)),
        ("12:00 PM", dt.time(12, 0)),
        ("1:00 am", dt.time(1, 0)),
        ("18:45", dt.time(18, 45)),
        ("0:05", dt.time(0, 5)),
        ("", None),
    ],
)
def test_both_clocks_are_read(text, expected):
    assert daylio.parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "13:00 PM", "0:30 AM", "noon", "8:61 pm"])
def test_a_time_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError):
        daylio.parse_time(text)


def test_bad_lines_are_reported_with_their_line_number_and_reason():
    lines = [
        row(D1, "8:30 PM", "good", note="a note\nover\nthree lines"),  # lines 2-4
        f"{D1},March 2,Monday,9:00 PM,good",  # 5: too few fields
        row(dt.date(2026, 3, 11), "9:00 PM", "good"),  # 6: tomorrow
        row(D1, "9:00 PM", ""),  # 7: no mood
        row(D1, "half past nine", "good"),  # 8
        "2026-02-30,Feb 30,?,9:00 PM,good,,,",  # 9
        row(D2, "9:00 PM", "meh"),  # 10: fine
    ]

    parsed = daylio.parse(export(*lines), today=TODAY)

    assert [(b.line, b.reason) for b in parsed.bad] == [
        (5, "has 5 fields where the header has 8 (a comma or a quote out of place?)"),
        (6, "its date, 11 March 2026, hasn't happened yet"),
        (7, "it has no mood"),
        (8, "its time, “half past nine”, can't be read"),
        (9, "its date can't be read"),
    ]
    assert [e.line for e in parsed.entries] == [2, 10]
    assert str(parsed.bad[0]).startswith("line 5: has 5 fields")


def test_a_file_that_is_not_a_daylio_export_says_so():
    with pytest.raises(FileProblem, match="doesn't look like a Daylio export"):
        daylio.parse(b"name,score\nsam,3\n", today=TODAY)
    with pytest.raises(FileProblem, match="isn't plain UTF-8"):
        daylio.parse(CURRENT.encode() + b"\n\xff\xfe broken", today=TODAY)
    with pytest.raises(FileProblem, match="empty"):
        daylio.parse(b"", today=TODAY)


def test_html_in_notes_becomes_the_text_it_shows():
    assert html_to_text("One<br>Two<br/>Three<br />Four") == "One\nTwo\nThree\nFour"
    assert html_to_text("<b>bold</b> &amp; <i>it</i>&nbsp;x") == "bold & it\xa0x"
    assert html_to_text("a\r\nb\rc") == "a\nb\nc"
    assert html_to_text("<script>x</script>keep") == "xkeep"
