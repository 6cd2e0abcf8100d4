"""The trend figures as plotly sees them: every chart of every range is a figure plotly's own
graph_objects accept whole, draws with the vendored basic bundle, and shows text from a person
as text, never as markup."""

import datetime as dt
import html
import json
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import pytest
from django.conf import settings
from plotly.offline import get_plotlyjs_version

from journal.charts import plot
from journal.charts.page import RANGES
from tests.journal.test_trends_page import figures
from tests.journal.trend_histories import rich_history

pytestmark = pytest.mark.django_db

EVIL = '<a href="https://evil.test">x</a>'


def strings(value):
    """Every string in a figure's JSON, keys and values."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@pytest.mark.parametrize("range_key", list(RANGES))
def test_every_chart_of_every_range_is_a_figure_plotly_validates_whole(
    patient_client, patient, range_key
):
    rich_history(patient, days=400)

    shown = figures(patient_client.get(f"/trends/?range={range_key}"))

    assert len(shown) == 7
    for key, fig in shown.items():
        # graph_objects checks every attribute and value, data included, and raises on any it
        # does not know; the same figure comes back out of it unchanged.
        validated = go.Figure(fig)
        assert validated.to_plotly_json() == fig, key
        assert pio.from_json(json.dumps(fig)).to_plotly_json() == fig, key


@pytest.mark.parametrize("range_key", list(RANGES))
def test_the_figures_need_nothing_beyond_the_basic_bundle_and_fetch_nothing(
    patient_client, patient, range_key
):
    rich_history(patient, days=400)

    shown = figures(patient_client.get(f"/trends/?range={range_key}"))

    for key, fig in shown.items():
        assert {trace["type"] for trace in fig["data"]} <= plot.BASIC_BUNDLE_TRACES, key
        # No default template (its colours, grey plot area and ~7.5 KB): plotly.py's "none".
        assert fig["layout"]["template"] == pio.templates["none"].to_plotly_json(), key
        assert not any("://" in s for s in strings(fig)), key  # no address to fetch anything
        assert "family" not in json.dumps(fig), key  # no font of plotly's choosing


def test_the_vendored_bundle_is_the_plotly_js_the_python_package_validates_for():
    # The schema graph_objects checks figures against is plotly.js's own, version for version:
    # a newer plotly package with an older bundle (or the reverse) could pass a figure here
    # that the page cannot draw. `make vendor-plotly PLOTLY_VERSION=...` moves the bundle.
    bundle = Path(settings.BASE_DIR, "static/vendor/plotly/plotly-basic.min.js")
    with bundle.open() as f:
        head = f.read(200)
    assert f"plotly.js (basic - minified) v{get_plotlyjs_version()}\n" in head


def test_a_tag_named_like_a_link_shows_as_its_literal_text_in_the_figure(patient_client, patient):
    rich_history(patient, days=60, activity_name=EVIL)

    response = patient_client.get("/trends/?range=90d")

    helps = figures(response)["chart-what-helps-data"]
    assert helps["data"][0]["y"] == ['&lt;a href="https://evil.test"&gt;x&lt;/a&gt;']
    assert helps["data"][1]["y"] == helps["data"][0]["y"]
    # plotly.js reads <...> as pseudo-HTML (links, bold, line breaks) in every text it draws:
    # the only markup in any figure is our own hover template's, and the escaped name reads
    # back as typed.
    for fig in figures(response).values():
        marked_up = {s for s in strings(fig) if "<" in s or ">" in s}
        assert marked_up <= {
            "Treatment session<extra></extra>",
            "Course baseline: %{y}<extra></extra>",
            "Response line: %{y}<extra></extra>",
            "%{text}<extra></extra>",  # medication markers: their words escaped, in `text`
        }
    assert html.unescape(helps["data"][0]["y"][0]) == EVIL
    # The table beside it shows the same name as text, escaped by the template.
    assert "&lt;a href=&quot;https://evil.test&quot;&gt;x&lt;/a&gt;" in response.content.decode()


def test_a_tag_named_like_a_number_stays_a_category(patient_client, patient):
    rich_history(patient, days=60, activity_name="2024")

    helps = figures(patient_client.get("/trends/?range=90d"))["chart-what-helps-data"]

    assert helps["data"][0]["y"] == ["2024"]
    assert helps["layout"]["yaxis"]["type"] == "category"


def test_a_tag_with_an_ampersand_reads_back_as_typed():
    assert plot.plotly_text("Friends & <b>family</b>") == "Friends &amp; &lt;b&gt;family&lt;/b&gt;"
    assert plot.plotly_text("&lt;") == "&amp;lt;"  # shown as the five characters typed


def test_a_part_is_checked_by_plotly_the_first_time_its_shape_is_built():
    with pytest.raises(ValueError, match="mode"):
        plot.part(go.Scatter, dict(x=[1], y=[2]), mode="sideways", name="Checked shape")
    with pytest.raises(ValueError, match="colr"):
        plot.part(go.Scatter, dict(x=[1], y=[2]), name="Checked shape", marker=dict(colr="red"))


def test_parts_of_one_shape_each_get_their_own_data_and_copies():
    style = dict(mode="lines", name="Same shape", line=dict(color="#123456", width=2))

    first = plot.part(go.Scatter, dict(x=["2026-01-01"], y=[1]), **style)
    second = plot.part(go.Scatter, dict(x=["2026-01-02", "2026-01-03"], y=[2, None]), **style)
    first["line"]["width"] = 9  # a change to one figure's part...

    assert first["x"] == ["2026-01-01"] and first["y"] == [1]
    assert second == {
        "type": "scatter",
        "mode": "lines",
        "name": "Same shape",
        "line": {"color": "#123456", "width": 2},  # ...is not another's
        "x": ["2026-01-02", "2026-01-03"],
        "y": [2, None],
    }
    assert plot.part(go.Scatter, **style)["line"]["width"] == 2


def test_a_trace_the_basic_bundle_cannot_draw_is_refused():
    fast = plot.part(go.Scattergl, dict(x=[1], y=[2]), mode="markers")

    with pytest.raises(ValueError, match="scattergl"):
        plot.figure([fast], plot.layout("A chart"))


def test_only_data_may_skip_the_per_shape_check():
    with pytest.raises(TypeError, match="marker"):
        plot.part(go.Scatter, dict(x=[1], marker={"color": "red"}), name="Data only")


def test_a_date_axis_range_is_data_and_lands_in_its_axis():
    layout = plot.time_layout(
        "A chart", "0 to 10", (0, 10.6), (dt.date(2026, 1, 1), dt.date(2026, 1, 30))
    )

    assert layout["xaxis"] == {"type": "date", "range": ["2026-01-01", "2026-01-30"]}
    assert layout["yaxis"]["range"] == [0, 10.6]
    go.Layout(layout)  # and plotly takes it
