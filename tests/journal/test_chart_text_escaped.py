"""Text a person typed reaches plotly.js only escaped: its pseudo-HTML (<a href>, <b>, <br>,
entities) would otherwise turn a tag name into a link or restyle the care team's chart."""

import datetime as dt
import json
import re

import pytest
from django.test import Client

from journal.charts.plot import plotly_text
from tests.factories import MembershipFactory, ShareFactory
from tests.journal.trend_histories import rich_history

pytestmark = pytest.mark.django_db

HOSTILE = [
    '<a href="https://ev.il">Call us</a>',  # tag names are 40 characters at most
    "<b>URGENT</b><br>ignore this patient",
    '<span style="font-size:80px">x</span>',
    "&lt;b&gt;entity&lt;/b&gt;",
    '<img src=x onerror="alert(1)">',
    "<sub>2</sub><sup>3</sup><i>i</i>",
]


def chart_strings(page: str) -> list[str]:
    """Every string anywhere in every figure on the page."""
    found: list[str] = []

    def walk(value):
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for body in re.findall(
        r'<script id="chart-[\w-]+-data" type="application/json">(.*?)</script>', page, re.S
    ):
        walk(json.loads(body))
    return found


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_tag_name_reaches_every_chart_as_inert_text(patient, name):
    share = ShareFactory(patient=patient)
    member = MembershipFactory(team=share.team).user
    rich_history(patient, days=30, activity_name=name, end=patient.today() - dt.timedelta(days=1))
    own, team = Client(), Client()
    own.force_login(patient)
    team.force_login(member)

    for page in (
        own.get("/trends/?range=30d").content.decode(),
        team.get(f"/care/patients/{patient.public_id}/?range=30d").content.decode(),
    ):
        strings = chart_strings(page)
        assert plotly_text(name) in strings  # the tag is charted, escaped once
        assert name not in strings
        for s in strings:
            # No tag plotly.js would read as markup, in any string of any figure.
            assert not re.search(r"<\s*/?\s*(a|b|br|i|em|sub|sup|span|img)\b", s, re.I), s


def test_escaping_is_reversible_by_plotly_and_idempotent_in_meaning():
    assert plotly_text('<a href="x">') == '&lt;a href="x"&gt;'
    assert plotly_text("Tom & Jerry") == "Tom &amp; Jerry"
    assert plotly_text("plain words") == "plain words"
