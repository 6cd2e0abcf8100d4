"""Care-team alerts are at least once: a worker killed mid-send never leaves a team untold. The
alert may then arrive twice, and the delivery log says so."""

import time

import pytest

from accounts.delivery import attempts_note
from accounts.models import EmailDelivery
from careteam import alerts
from careteam.tasks import alert_care_teams_about_signal
from tests.conftest import wait_for
from tests.factories import (
    CareTeamFactory,
    CareUserFactory,
    MembershipFactory,
    ShareFactory,
    SignalFactory,
    UserFactory,
)
from tests.services import require_redis


@pytest.mark.worker
def test_an_alert_cut_off_by_a_killed_worker_is_sent_by_the_sweep(
    smtp_sink, celery_worker_process, settings
):
    require_redis()
    patient, member, team = UserFactory(), CareUserFactory(), CareTeamFactory()
    MembershipFactory(team=team, user=member)
    ShareFactory(patient=patient, team=team)
    signal = SignalFactory(patient=patient, kind="urgent_checkin")
    smtp_sink.hold_next = True  # the server is slow to answer, and keeps nothing from a dead client

    alert_care_teams_about_signal.delay(signal_id=signal.pk)
    wait_for(smtp_sink.holding.is_set, timeout=60)
    celery_worker_process.kill()
    smtp_sink.release.set()
    row = EmailDelivery.objects.get(recipient=member)
    assert (row.status, row.attempts) == ("sending", 1)
    assert smtp_sink.messages == []  # the team has not been told

    settings.DELIVERY_INTERRUPTED_AFTER = 1
    time.sleep(1.5)
    assert list(alerts.signals_missing_alerts()) == [signal.pk]  # the sweep sees who was missed
    assert alerts.care_alert_send(signal_id=signal.pk) == 1  # what the sweep's task runs

    assert smtp_sink.recipients == [member.email]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.unsure_attempts) == ("sent", 2, 1)
    # Honest: the first try might have reached the member before the worker died.
    assert "possibly twice" in attempts_note(row)
    assert list(alerts.signals_missing_alerts()) == []
