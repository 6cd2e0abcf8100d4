"""The safety loop, end to end in a real browser: a patient answers PHQ-9 item 9; the care team
sees who and how to reach them, first on the dashboard; a clinician records a call; the
patient's card says their team reached out; after calm days it rests. Neither reader ever sees
the other reader's words."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from careteam.models import Outreach
from journal import warning_words
from journal.access import Scope
from journal.models import Signal, SignalReport
from tests.e2e.conftest import choose_mood, log_in
from tests.factories import (
    CareTeamFactory,
    CareUserFactory,
    CheckInFactory,
    MembershipFactory,
    ShareFactory,
    SignalFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEAM_NOTE = "MARKER-TEAM-NOTE: sounded tired, will call again Friday"


@pytest.fixture
def run_tasks_here():
    """The live server runs in this process: tasks enqueued after a save run here at once
    (the real task code), as a worker would run them a moment later."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def words(reader: str, kind: str, details: dict, today: dt.date) -> list[str]:
    source = warning_words.for_team if reader == "team" else warning_words.for_patient
    w = source(kind, details, today=today)
    return [w.title, w.text, *w.next_steps]


def assert_only(page, mine: list[str], theirs: list[str]):
    text = page.locator("main").inner_text()
    for sentence in theirs:
        assert sentence not in text, sentence
    return text


def test_the_loop_from_item_9_to_outreach_to_rest(page, browser, live_server, run_tasks_here):
    patient = UserFactory(email="loop.patient@example.test", display_name="Robin")
    team = CareTeamFactory(name="Harbour Clinic")
    clinician = CareUserFactory(email="loop.clinician@clinic.test", display_name="Dr Reyes")
    MembershipFactory(team=team, user=clinician)
    ShareFactory(patient=patient, team=team, scope=Scope.TRENDS | Scope.CONTACT)
    # Other patients of the team: one sliding, one quiet. Robin must still come first.
    for name, kind in (("Sliding Sam", "sustained_slide"), ("Quiet Quinn", None)):
        other = UserFactory(display_name=name)
        ShareFactory(patient=other, team=team)
        if kind:
            SignalFactory(patient=other, kind=kind)

    # --- The patient gives the team a number, then answers item 9 -----------------------------
    log_in(page, patient.email)
    page.goto("/care/sharing/")
    page.get_by_label("Phone number").fill("07700 900123")
    page.get_by_role("button", name="Save how to reach me").click()
    expect(page.get_by_text("Saved. Teams you let see how to reach you")).to_be_visible()

    page.goto("/questionnaires/phq9/")
    for n in range(1, 9):
        page.get_by_role("group", name=f"{n}. ").get_by_label("Not at all").check()
    page.get_by_role("group", name="9. Thoughts that you would be better off dead").get_by_label(
        "Several days"
    ).check()
    page.get_by_role("button", name="Save my answers").click()
    expect(
        page.get_by_role("heading", name="You don't have to face this alone").first
    ).to_be_visible()

    card = Signal.objects.get(patient=patient, kind="urgent_item9")
    today = patient.today()
    patient_words = words("patient", card.kind, card.details, today)
    team_words = words("team", card.kind, card.details, today)

    page.goto("/")
    home = assert_only(page, patient_words, team_words)
    assert patient_words[0] in home  # "You told us about thoughts of self-harm"
    assert "Your care team at Harbour Clinic can see this in Tideline." in home
    assert "Please reach out to the patient" not in home

    # --- The clinician: who, how urgent, how to reach them, first on the dashboard -------------
    team_context = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url
    )
    team_page = team_context.new_page()
    errors: list[str] = []
    team_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        log_in(team_page, clinician.email, then="**/care/")
        rows = team_page.locator("table.patients tbody tr")
        first = rows.first
        expect(first).to_contain_text("Robin")
        expect(first).to_contain_text("Thoughts of self-harm")
        expect(first).to_contain_text("No one on your team has reached out yet.")
        phone = first.get_by_role("link", name=re.compile("07700 900123"))
        assert phone.get_attribute("href") == "tel:07700900123"
        dashboard = assert_only(team_page, team_words, patient_words)
        assert re.search(r"raised \d{1,2} \w{3}, \d{2}:\d{2}", dashboard)

        first.get_by_role("link", name="Robin", exact=True).click()
        team_page.wait_for_url(f"**/care/patients/{patient.public_id}/")
        expect(team_page.get_by_text(team_words[0]).first).to_be_visible()
        expect(team_page.get_by_role("link", name="07700 900123")).to_have_attribute(
            "href", "tel:07700900123"
        )
        assert_only(team_page, team_words, patient_words)

        # --- A call, recorded ----------------------------------------------------------------
        team_page.get_by_label("How (required)").select_option("phone")
        team_page.get_by_label("What came of it (required)").select_option("spoke")
        team_page.get_by_label("Note for the team (optional)").fill(TEAM_NOTE)
        team_page.get_by_role("button", name="Record it").click()
        expect(team_page.get_by_text("Recorded. Your team sees it here")).to_be_visible()
        expect(team_page.get_by_text(TEAM_NOTE)).to_be_visible()
        outreach = Outreach.objects.get(patient=patient)
        assert (outreach.by, outreach.how, outreach.outcome) == (clinician, "phone", "spoke")

        team_page.goto("/care/")
        expect(rows.first).to_contain_text("Robin")
        expect(rows.first).to_contain_text("Dr Reyes reached out")
        expect(team_page.get_by_text("No one on your team has reached out yet.")).to_have_count(0)
        assert errors == []
    finally:
        team_context.close()

    # --- The patient's card says the team reached out, never their note -----------------------
    page.goto("/")
    called = timezone_day(outreach.at, patient)
    expect(page.get_by_text(f"Your team at Harbour Clinic called you on {called}.")).to_be_visible()
    home = assert_only(page, patient_words, team_words)
    assert TEAM_NOTE not in home

    # --- Calm days: the card rests -------------------------------------------------------------
    # Time passes: the report moves eight days back, and six calm days are logged since.
    report_day = today - dt.timedelta(days=8)
    Signal.objects.filter(pk=card.pk).update(details={**card.details, "days": [str(report_day)]})
    SignalReport.objects.filter(signal=card).update(day=report_day)
    for ago in range(6, 0, -1):
        CheckInFactory(patient=patient, day=today - dt.timedelta(days=ago), mood=6)

    page.goto("/checkin/")
    choose_mood(page, 6)
    page.get_by_role("button", name="Save check-in").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_text(patient_words[0])).to_have_count(0)  # no card on Home any more
    card.refresh_from_db()
    assert card.resolution == "calm"

    page.goto("/trends/")
    page.get_by_text("Earlier warnings (1)").click()
    expect(page.get_by_text("after some calmer days")).to_be_visible()
    assert_only(page, patient_words, team_words)


def timezone_day(at, person) -> str:
    local = at.astimezone(person.zoneinfo)
    return f"{local.day} {local:%B}"
