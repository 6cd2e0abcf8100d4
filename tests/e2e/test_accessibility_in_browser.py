"""Every main page, as a patient with months of history and as their clinician, passes axe-core's
WCAG 2.1 A and AA rules (labels, contrast, names, landmarks, nesting) in a real Chromium on a
phone-sized screen. axe-core comes inside the axe-playwright-python package: nothing is
fetched at run time."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe

from careteam.models import Membership
from journal.access import Scope
from journal.models import AppointmentReport, ImportJob, SessionCheck
from journal.signals import signals_evaluate
from tests.e2e.conftest import log_in
from tests.factories import (
    CareUserFactory,
    MembershipFactory,
    ShareFactory,
    TreatmentSessionFactory,
    UserFactory,
)
from tests.journal.daylio_files import export, row
from tests.journal.trend_histories import rich_history, steady_then_slide

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
PATIENT_PAGES = (
    "/",
    "/checkin/",
    "/history/",
    "/history/calendar/",
    "/trends/?range=30d",
    "/trends/?range=all",
    "/sessions/",
    "/sessions/new/",
    "/questionnaires/",
    "/questionnaires/phq9/",
    "/safety-plan/",
    "/safety-plan/edit/",
    "/help/",
    "/care/sharing/",
    "/care/sharing/who-viewed/",
    "/settings/",
    "/reports/",
    "/settings/import/",
    "/offline/",
)


def violations(page, path: str) -> list[str]:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    page.wait_for_load_state("load")
    if page.locator("[data-figure]").count():
        page.locator("[data-figure] svg.main-svg").first.wait_for(state="attached")
    found = Axe().run(page, options=WCAG).response["violations"]
    return [f"{path}: {v['id']} ({len(v['nodes'])}): {v['help']}" for v in found]


def test_the_patient_pages_pass_wcag_a_and_aa_checks(page):
    patient = UserFactory()
    steady_then_slide(patient, end=patient.today() - dt.timedelta(days=1))
    signals_evaluate(patient_id=patient.pk)  # the warning card is on the page too
    log_in(page, patient.email)

    found = [v for path in PATIENT_PAGES for v in violations(page, path)]

    assert found == []


def test_the_care_team_pages_pass_wcag_a_and_aa_checks(page):
    patient = UserFactory()
    rich_history(patient, days=120)
    share = ShareFactory(patient=patient, scope=Scope.TRENDS | Scope.CLINIC_ENTRIES)
    clinician = CareUserFactory()
    MembershipFactory(team=share.team, user=clinician, role=Membership.Role.TEAM_ADMIN)
    session = TreatmentSessionFactory(patient=patient)
    SessionCheck.objects.create(  # a team entry, marked as the team's
        session=session,
        patient=patient,
        moment="evening",
        felt=4,
        effects={"nausea": 3},
        entered_by=clinician,
        entered_by_name="Dr Okafor",
        entered_by_team=share.team.name,
    )
    report = AppointmentReport.objects.create(
        patient=patient,
        start=patient.today() - dt.timedelta(days=29),
        end=patient.today(),
        shared=True,
    )
    log_in(page, clinician.email)

    pages = (
        "/care/",
        f"/care/patients/{patient.public_id}/?range=90d",
        f"/care/patients/{patient.public_id}/reports/{report.public_id}/",
        f"/care/teams/{share.team.pk}/",
        f"/care/patients/{patient.public_id}/clinic-entries/",
        f"/care/patients/{patient.public_id}/sessions/{session.pk}/check/",
    )
    found = [v for path in pages for v in violations(page, path)]
    # The patient's own check page, with the team's entry marked and the help card it brings.
    page.context.clear_cookies()
    log_in(page, patient.email)
    found += violations(page, f"/sessions/{session.pk}/check/")

    assert found == []


def test_the_import_preview_and_a_saved_report_pass_wcag_a_and_aa_checks(page):
    patient = UserFactory()
    rich_history(patient, days=60)
    today = patient.today()
    daylio = export(
        row(today, "9:00 PM", "Stormy", ["walk"], "hello"),
        row(today, "8:00 AM", "good"),
        "not,a,good,line",
    )
    job = ImportJob.objects.create(patient=patient, source="daylio", payload=daylio, days=1)
    report = AppointmentReport.objects.create(
        patient=patient, start=today - dt.timedelta(days=29), end=today, talk_about="Sleep."
    )
    log_in(page, patient.email)

    found = violations(page, f"/settings/import/{job.public_id}/")
    found += violations(page, f"/reports/{report.public_id}/")

    assert found == []


def test_the_two_factor_enrolment_page_passes_wcag_a_and_aa_checks(page):
    log_in(page, CareUserFactory(two_factor=False).email, then="**/settings/two-factor/")

    assert violations(page, "/settings/two-factor/") == []


def test_a_chart_holds_nothing_to_tab_to_and_no_way_to_upload_it(page):
    """Each chart is one image to a screen reader, with its numbers in the table below: Plotly's
    toolbar (focusable buttons inside it, and a "Share chart..." that uploads the figure to
    Plotly's cloud) is off."""
    patient = UserFactory()
    rich_history(patient, days=60)
    log_in(page, patient.email)
    page.goto("/trends/?range=90d")
    page.locator("#chart-mood svg.main-svg").first.wait_for(state="attached")

    focusable = page.evaluate(
        """Array.from(document.querySelectorAll('[data-figure] *'))
             .filter(e => e.tabIndex >= 0 || e.matches('a[href], button, input, [tabindex]'))
             .length"""
    )

    assert focusable == 0
    assert page.locator(".modebar, [data-title='Share chart...']").count() == 0
