"""Tappable help: every number in crisis lines, team notes and safety plans becomes a link a
phone acts on (journal/help_links.py), and the crisis lines by country (journal/regions.py)."""

import re
from pathlib import Path

import pytest

from accounts.countries import COUNTRIES, ELSEWHERE, country_for_time_zone
from journal import regions
from journal.help_links import dial, numbers_in, tappable_html


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("Call 911", ['href="tel:911"']),
        ("Call or text 988", ['href="tel:988"', 'href="sms:988"']),
        ("Text HOME to 741741", ['href="sms:741741?&amp;body=HOME"']),
        ("Call 13 11 14 or text 0477 13 11 14", ['href="tel:131114"', 'href="sms:0477131114"']),
        ("Call 112 or 999", ['href="tel:112"', 'href="tel:999"']),
        ("Jo: 07700 900123.", ['href="tel:07700900123"']),
        ("Mum +44 (0)7700 900123", ['href="tel:+447700900123"']),
        ("Kids Help Phone: call 1-800-668-6868", ['href="tel:18006686868"']),
        ("See https://988lifeline.org/chat/.", ['href="https://988lifeline.org/chat/"']),
        ("www.findahelpline.com", ['href="https://www.findahelpline.com"']),
    ],
)
def test_numbers_text_lines_and_addresses_become_links(text, links):
    html = tappable_html(text)
    for link in links:
        assert link in html
    assert html.count("<a ") == len(links)


@pytest.mark.parametrize(
    "text",
    [
        "Walk for 20 minutes, 3 times a day",
        "Since 2019 I have kept going",
        "My daughter was born 2015-03-04",
        "Appointment on 04.05.2026 at 10:30",
        "Room 101",
    ],
)
def test_dates_years_and_small_numbers_stay_plain_text(text):
    assert tappable_html(text) == text


def test_it_escapes_everything_it_does_not_link():
    html = tappable_html('<script>alert(1)</script> call 999 "quoted"')
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert '<a class="tappable" href="tel:999" aria-label="Call 999">999</a>' in html
    assert "&quot;quoted&quot;" in html


def test_a_link_never_carries_markup_from_the_text():
    html = tappable_html('https://example.org/"><img src=x onerror=alert(1)>')
    assert "<img" not in html
    assert "onerror" not in html.split(">", 1)[0]


def test_dial_keeps_a_leading_plus_and_drops_the_trunk_zero_in_brackets():
    assert dial("+44 (0)20 7946 0000") == "+442079460000"
    assert dial("(020) 7946 0000") == "02079460000"


# --- The table of lines ----------------------------------------------------------------------

REQUIRED = ["US", "CA", "GB", "IE", "AU", "NZ", ELSEWHERE]


def test_every_required_country_has_lines_and_an_emergency_number():
    for code in REQUIRED:
        region = regions.REGIONS[code]
        assert region.lines, code
        emergency = [line for line in region.lines if line.name == "Emergency services"]
        assert len(emergency) == 1, code
        assert numbers_in(emergency[0].how), code


@pytest.mark.parametrize(
    ("code", "numbers"),
    [
        ("US", {"988", "741741", "911"}),
        ("CA", {"988", "1-800-668-6868", "686868", "911"}),
        ("GB", {"116 123", "85258", "111", "999"}),
        ("IE", {"116 123", "1800 247 247", "51444", "50808", "112", "999"}),
        ("AU", {"13 11 14", "0477 13 11 14", "1300 659 467", "000"}),
        ("NZ", {"1737", "0800 543 354", "4357", "0508 828 865", "111"}),
        (ELSEWHERE, {"112"}),
    ],
)
def test_each_country_s_published_numbers_are_all_tappable(code, numbers):
    found = set()
    for line in regions.REGIONS[code].lines:
        found |= set(numbers_in(line.how))
        html = tappable_html(line.how)
        # No run of digits is left outside a link.
        plain = re.sub(r"<a [^>]*>.*?</a>", "", html)
        assert not re.search(r"\d{3}", plain), (code, line.how)
    assert found == numbers


def test_the_fallback_points_to_the_international_directory():
    (directory,) = [line for line in regions.REGIONS[ELSEWHERE].lines if line.link]
    assert directory.link == "https://findahelpline.com/"


def test_every_line_in_the_table_names_its_source_in_a_comment():
    source = Path(regions.__file__).read_text()
    table = source[source.index("REGIONS = {") : source.index("def deployment_region")]
    chunks = table.split("Line(")[1:]
    before = table.split("Line(")[:-1]
    assert len(chunks) == sum(len(r.lines) for r in regions.REGIONS.values())
    for text in before:
        comment = [ln.strip() for ln in text.rstrip().splitlines() if ln.strip().startswith("#")]
        # The comment block right above each line names a page it is published on.
        tail = text.rstrip().splitlines()
        block = []
        for ln in reversed(tail):
            if not ln.strip().startswith("#"):
                break
            block.append(ln)
        assert comment and any("https://" in ln for ln in block), text[-200:]


def test_the_countries_a_person_can_pick_are_the_table_s():
    assert [code for code, _ in COUNTRIES] == list(regions.REGIONS)


@pytest.mark.parametrize(
    ("zone", "country"),
    [
        ("America/New_York", "US"),
        ("America/Indiana/Indianapolis", "US"),
        ("Pacific/Honolulu", "US"),
        ("America/Toronto", "CA"),
        ("America/St_Johns", "CA"),
        ("Europe/London", "GB"),
        ("Europe/Dublin", "IE"),
        ("Australia/Perth", "AU"),
        ("Pacific/Auckland", "NZ"),
        ("Europe/Paris", ""),
        ("UTC", ""),
        ("America/Mexico_City", ""),
    ],
)
def test_a_time_zone_suggests_its_country_and_nothing_elsewhere(zone, country):
    assert country_for_time_zone(zone) == country


def test_without_a_country_the_deployment_s_own_lines_are_the_default(settings):
    settings.CRISIS_REGION = "Testland"
    settings.CRISIS_LINES = "Testland Line|Call 0800 000 111|Always open"

    region = regions.region_for(user=None)

    assert (region.code, region.name) == ("", "Testland")
    assert [(line.name, line.how) for line in region.lines] == [
        ("Testland Line", "Call 0800 000 111")
    ]
