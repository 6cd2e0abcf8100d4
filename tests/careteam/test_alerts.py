import datetime as dt
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailDelivery
from careteam import alerts as services
from careteam.tasks import alert_care_teams_about_signal, alert_new_signals
from journal.access import Scope
from journal.warning_words import for_patient, for_team
from tests.conftest import wait_for
from tests.factories import (
    CareTeamFactory,
    CareUserFactory,
    MembershipFactory,
    ShareFactory,
    SignalFactory,
    UserFactory,
)

ALERT_SENTENCE = "A patient you support may need a check-in. Open Tideline to see who."
DETAILS = {"low_days": 12, "areas": ["sleep_hours", "interest"], "usual": 7.0, "mean": 4.2}
# The warning in both readers' words: neither may be in an email.
REASON = for_team("sustained_slide", DETAILS, today=dt.date.today()).text
PATIENT_WORDS = for_patient("sustained_slide", DETAILS, today=dt.date.today()).text


def build_care_circle():
    """A patient sharing with two teams (one member in both), plus people who must not hear."""
    patient = UserFactory(display_name="Wren", email="wren@example.test")
    team_a, team_b = CareTeamFactory(), CareTeamFactory()
    both = CareUserFactory(email="both@clinic.test")
    only_a = CareUserFactory(email="only.a@clinic.test")
    for team, member in ((team_a, both), (team_a, only_a), (team_b, both)):
        MembershipFactory(team=team, user=member)
    ShareFactory(patient=patient, team=team_a)
    ShareFactory(patient=patient, team=team_b, scope=Scope.TRENDS | Scope.NOTES)

    revoked_team, no_trends_team, stranger_team = (CareTeamFactory() for _ in range(3))
    MembershipFactory(team=revoked_team, user=CareUserFactory(email="revoked@clinic.test"))
    ShareFactory(patient=patient, team=revoked_team, revoked_at=timezone.now())
    MembershipFactory(team=no_trends_team, user=CareUserFactory(email="notrends@clinic.test"))
    ShareFactory(patient=patient, team=no_trends_team, scope=Scope.NOTES)
    MembershipFactory(team=stranger_team, user=CareUserFactory(email="stranger@clinic.test"))
    inactive = CareUserFactory(email="inactive@clinic.test", is_active=False)
    MembershipFactory(team=team_a, user=inactive)
    return patient


def assert_no_health_data(bodies, patient):
    for body in bodies:
        assert ALERT_SENTENCE in body
        assert "/care/" in body  # the link to the dashboard
        secrets = (REASON, PATIENT_WORDS, patient.display_name, patient.email, "slide", "PHQ")
        for secret in (*secrets, "mood"):
            assert secret not in body


@pytest.mark.django_db
def test_each_team_member_gets_one_alert_without_health_data_over_smtp(smtp_settings):
    patient = build_care_circle()
    signal = SignalFactory(patient=patient, kind="sustained_slide", details=DETAILS)

    sent = alert_care_teams_about_signal(signal_id=signal.pk)
    again = alert_care_teams_about_signal(signal_id=signal.pk)

    assert (sent, again) == (2, 0)
    recipients = sorted(m["to"][0] for m in smtp_settings.inbox.messages)
    assert recipients == ["both@clinic.test", "only.a@clinic.test"]
    assert_no_health_data(smtp_settings.inbox.bodies(), patient)
    assert EmailDelivery.objects.filter(kind="care_alert", status="sent").count() == 2
    assert set(EmailDelivery.objects.values_list("period", flat=True)) == {f"signal-{signal.pk}"}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["urgent_item9", "urgent_checkin"])
def test_urgent_signals_alert_the_team(smtp_settings, kind):
    patient = build_care_circle()
    signal = SignalFactory(patient=patient, kind=kind)

    assert alert_care_teams_about_signal(signal_id=signal.pk) == 2
    assert len(smtp_settings.inbox.messages) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["phq9_rise", "phq9_high"])
def test_questionnaire_signals_show_on_the_dashboard_but_send_no_email(smtp_settings, kind):
    patient = build_care_circle()
    signal = SignalFactory(patient=patient, kind=kind)

    assert alert_care_teams_about_signal(signal_id=signal.pk) == 0
    assert smtp_settings.inbox.messages == []


@pytest.mark.django_db
def test_the_sweep_finds_recent_signals_someone_was_not_told_about(
    smtp_settings, django_assert_num_queries
):
    patient = build_care_circle()
    told = SignalFactory(patient=patient)
    alert_care_teams_about_signal(signal_id=told.pk)
    untold = SignalFactory(patient=patient, kind="urgent_item9")
    SignalFactory(
        patient=patient, kind="urgent_checkin", detected_at=timezone.now() - dt.timedelta(days=2)
    )
    SignalFactory(patient=patient, kind="phq9_high")
    SignalFactory(patient=UserFactory())  # nobody to tell

    with django_assert_num_queries(1):
        missing = list(services.signals_missing_alerts())

    assert missing == [untold.pk]


@pytest.mark.django_db
def test_the_sweep_catches_a_member_whose_email_failed(smtp_settings):
    patient = build_care_circle()
    signal = SignalFactory(patient=patient)
    alert_care_teams_about_signal(signal_id=signal.pk)
    EmailDelivery.objects.filter(recipient__email="only.a@clinic.test").update(status="pending")

    assert list(services.signals_missing_alerts()) == [signal.pk]


@pytest.fixture
def worker_with_smtp(transactional_db, smtp_server, monkeypatch, request):
    # The worker is a separate process: it reads its mail settings from the environment.
    monkeypatch.setenv("EMAIL_URL", f"smtp://127.0.0.1:{smtp_server.port}")
    request.getfixturevalue("celery_worker_process")
    return smtp_server


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_sweep_on_a_real_worker_sends_each_alert_once(worker_with_smtp):
    patient = build_care_circle()
    signal = SignalFactory(patient=patient, kind="urgent_checkin", details=DETAILS)
    inbox = worker_with_smtp.inbox

    # As if the immediate enqueue had been lost: only the sweep knows.
    alert_new_signals.delay()
    wait_for(lambda: len(inbox.messages) == 2, timeout=60)

    # Running the sweep and the task again sends nothing more.
    alert_new_signals.delay()
    alert_care_teams_about_signal.delay(signal_id=signal.pk)
    time.sleep(3)
    assert len(inbox.messages) == 2
    assert_no_health_data(inbox.bodies(), patient)
    assert EmailDelivery.objects.filter(kind="care_alert", status="sent").count() == 2


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_positive_item_9_reaches_the_care_team_at_once_without_the_sweep(
    worker_with_smtp, client
):
    """The whole path a patient's worst moment takes: PHQ-9 item 9 > 0 in the browser form ->
    urgent signal -> alert task enqueued after commit -> real worker -> real SMTP. No beat."""
    patient = build_care_circle()
    client.force_login(patient)
    answers = {f"item_{i}": "0" for i in range(1, 10)} | {"item_9": "1"}
    form = client.get(reverse("questionnaire_fill", args=["phq9"])).content.decode()
    key = re.search(r'name="submission_key" value="([^"]+)"', form).group(1)

    response = client.post(
        reverse("questionnaire_fill", args=["phq9"]), {**answers, "submission_key": key}
    )

    assert "988" in response.content.decode()  # the patient sees crisis lines at once
    inbox = worker_with_smtp.inbox
    wait_for(lambda: len(inbox.messages) == 2, timeout=60)
    assert_no_health_data(inbox.bodies(), patient)
