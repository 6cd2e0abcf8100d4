"""The appointment report printed by a real Chromium to PDF, as "Save as PDF" does: one or two
A4 pages, and the numbers on them are the database's. Then the care team it is shared with
opens it from the patient's page and prints the same."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db.models import Avg
from pypdf import PdfReader

from journal.access import Scope
from journal.models import Activity, AppointmentReport, CheckIn, QuestionnaireResponse
from tests.e2e.conftest import log_in
from tests.factories import (
    CheckInFactory,
    MembershipFactory,
    ShareFactory,
    SignalFactory,
    TreatmentSessionFactory,
    UserFactory,
    builtin_activities,
    scored_questionnaire,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def a_busy_month(patient):
    """Thirty days with everything a report shows, some of it long."""
    builtin_activities()
    today = patient.today()
    walk, rest = (Activity.objects.get(owner=None, name=n) for n in ("Movement", "Rest"))
    for n in range(30):
        c = CheckInFactory(
            patient=patient,
            day=today - dt.timedelta(days=n),
            mood=3 + (n * 5) % 6,
            sleep_hours=Decimal("6.5"),
            note="MARKER-NOTE-never-printed",
        )
        c.tags_add(walk if n % 2 else rest)
    session_day = today - dt.timedelta(days=24)
    scored_questionnaire(patient, "phq9", 19, session_day - dt.timedelta(days=3))
    for n, total in enumerate((15, 12, 10, 9)):
        scored_questionnaire(patient, "phq9", total, today - dt.timedelta(days=20 - 6 * n))
        scored_questionnaire(patient, "gad7", 11 - n, today - dt.timedelta(days=20 - 6 * n))
    for n in range(3):
        day = session_day + dt.timedelta(days=7 * n)
        TreatmentSessionFactory(
            patient=patient,
            day=day,
            started_at=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
            dose="0.5 mg/kg",
        )
    SignalFactory(patient=patient, started_on=today - dt.timedelta(days=12))
    return today


def pdf_text(page) -> tuple[int, str]:
    document = PdfReader(io.BytesIO(page.pdf(format="A4")))
    text = " ".join(p.extract_text() for p in document.pages)
    return len(document.pages), " ".join(text.split())


def database_figures(patient) -> dict:
    checkins = CheckIn.objects.filter(patient=patient)
    latest = {
        q.instrument: q.total
        for q in QuestionnaireResponse.objects.filter(patient=patient).order_by("day")
    }
    return {
        "logged": checkins.count(),
        "mean": f"{checkins.aggregate(m=Avg('mood'))['m']:.1f}",
        "phq9": latest["phq9"],
        "gad7": latest["gad7"],
    }


def assert_numbers_match(text: str, figures: dict) -> None:
    assert f"check-ins on {figures['logged']} of 30 days" in text
    assert f"Average mood {figures['mean']} out of 10" in text
    assert re.search(rf"Latest: {figures['phq9']}, mild", text), text
    assert f"Latest GAD-7: {figures['gad7']}, mild" in text
    assert "PHQ-9 before treatment (baseline): 19" in text


def test_a_patient_prints_a_report_of_one_or_two_pages_with_the_databases_numbers(page):
    patient = UserFactory(display_name="Wren")
    a_busy_month(patient)
    figures = database_figures(patient)
    log_in(page, patient.email)

    page.goto("/reports/")
    page.get_by_role("heading", name="Appointment report: Wren").wait_for()
    page.get_by_role("textbox", name="What I want to talk about").fill(
        "The nights after each session."
    )
    page.get_by_label("Let the care teams that see my trends see this report").check()
    page.get_by_role("button", name="Save this report").click()
    page.wait_for_url("**/reports/*/")
    assert page.get_by_role("button", name="Print or save as PDF").is_visible()

    pages, text = pdf_text(page)

    assert 1 <= pages <= 2, pages
    assert_numbers_match(text, figures)
    assert "The nights after each session." in text
    assert "MARKER-NOTE-never-printed" not in text
    assert "Print or save as PDF" not in text and "Change this report" not in text
    assert AppointmentReport.objects.get(patient=patient).shared


def test_the_care_team_opens_the_shared_report_and_prints_the_same(browser, live_server):
    patient = UserFactory(display_name="Wren")
    today = a_busy_month(patient)
    clinician = UserFactory(role="care", email="dr@clinic.test")
    share = ShareFactory(patient=patient, scope=Scope.TRENDS)
    MembershipFactory(team=share.team, user=clinician)
    AppointmentReport.objects.create(
        patient=patient,
        start=today - dt.timedelta(days=29),
        end=today,
        talk_about="Spacing the boosters.",
        shared=True,
    )
    figures = database_figures(patient)
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    try:
        log_in(page, clinician.email, then="**/care/")
        page.goto(f"/care/patients/{patient.public_id}/")
        page.get_by_role("link", name=re.compile(r"to .* \d{4}$")).first.click()
        page.get_by_role("heading", name="Appointment report: Wren").wait_for()

        pages, text = pdf_text(page)
    finally:
        context.close()

    assert 1 <= pages <= 2, pages
    assert_numbers_match(text, figures)
    assert "Spacing the boosters." in text
