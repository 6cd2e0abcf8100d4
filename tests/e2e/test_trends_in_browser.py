import datetime as dt

import pytest

from journal.signals import signals_evaluate
from tests.e2e.conftest import log_in
from tests.factories import UserFactory
from tests.journal.trend_histories import rich_history, steady_then_slide

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ("mood", "weekly-mood", "sleep", "other-areas", "phq9", "gad7", "what-helps")


def test_a_patient_with_months_of_entries_sees_every_chart_in_every_range(page):
    patient = UserFactory()
    rich_history(patient, days=400, activity_name="<script>alert('x')</script>")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, patient.email)

    page.get_by_role("link", name="Trends").click()
    for label in ("30 days", "90 days", "1 year", "All"):
        page.get_by_role("link", name=label, exact=True).click()
        page.wait_for_load_state("load")
        for key in CHARTS:
            # Plotly drew an SVG into each chart's box.
            page.locator(f"#chart-{key} svg.main-svg").first.wait_for(state="attached")
        assert page.locator(".js-plotly-plot").count() == len(CHARTS)
        assert page.locator("details table caption").count() == len(CHARTS)

    page.get_by_text("Show the numbers as a table").first.click()
    assert page.locator("details[open] table tbody tr").count() > 10
    assert dialogs == []  # the activity named like a script stayed text


def test_a_slide_shows_as_a_plain_words_warning_with_next_steps(page):
    patient = UserFactory()
    steady_then_slide(patient, end=patient.today() - dt.timedelta(days=1))
    signals_evaluate(patient_id=patient.pk)
    log_in(page, patient.email)

    page.goto("/trends/?range=90d")

    warning = page.get_by_role("region", name="Worth noticing")
    assert warning.get_by_text("Your mood has been lower than your usual").is_visible()
    assert warning.get_by_role("link", name="Need help now?").is_visible()
    page.locator("#chart-mood svg.main-svg").first.wait_for(state="attached")


def test_severity_band_names_are_drawn_on_a_wide_chart_and_left_out_on_a_phone(page):
    patient = UserFactory()
    rich_history(patient, days=60)
    log_in(page, patient.email)

    def band_names_drawn():
        page.goto("/trends/?range=90d")
        page.locator("#chart-phq9 svg.main-svg").first.wait_for(state="attached")
        return page.locator("#chart-phq9 .annotation-text", has_text="Moderately severe").count()

    assert band_names_drawn() == 0  # 390 px: they covered the first points
    assert page.get_by_text("Shaded bands show severity:").first.is_visible()
    page.set_viewport_size({"width": 1200, "height": 900})
    assert band_names_drawn() == 1


def test_a_tag_named_like_a_link_is_drawn_as_its_text_not_as_a_link(page):
    # plotly.js draws <a href>, <b> and <br> in tick labels and hover text as markup: a patient's
    # tag must not put a link in their care team's chart.
    evil = '<a href="https://evil.test">x</a>'
    patient = UserFactory()
    rich_history(patient, days=60, activity_name=evil)
    log_in(page, patient.email)
    page.set_viewport_size({"width": 1200, "height": 900})

    page.goto("/trends/?range=90d")
    chart = page.locator("#chart-what-helps")
    chart.locator("svg.main-svg").first.wait_for(state="attached")

    labels = chart.locator(".ytick text").all_text_contents()
    assert labels == [evil]  # the name as typed, angle brackets and all
    assert chart.locator("a").count() == 0
    assert page.locator("[href*='evil.test']").count() == 0
