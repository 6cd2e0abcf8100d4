import socket
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from accounts.models import User
from journal.access import EVERYTHING, Scope
from tests.factories import (
    CareTeamFactory,
    CareUserFactory,
    CheckInFactory,
    MembershipFactory,
    QuestionnaireResponseFactory,
    ShareFactory,
    SignalFactory,
    TreatmentSessionFactory,
    UserFactory,
)

# Words that exist only in the patient's data: if one shows up in a refused response, it leaked.
NOTE_MARKER = "MARKER-NOTE-the-lighthouse-dream"
INSIGHT_MARKER = "MARKER-INSIGHT-forgiving-my-father"
REASON_MARKER = "MARKER-REASON-mood-lower-for-weeks"


@dataclass
class World:
    """One patient and the six ways of looking at them, plus a positive control.

    - clinician: team A, a share with every scope (may see everything)
    - out_of_scope: team B, share with trends only
    - unshared: team C, no share at all
    - revoked: team D, a share the patient revoked
    """

    patient: User
    other_patient: User
    clinician: User
    out_of_scope: User
    unshared: User
    revoked: User
    team_a: object
    team_b: object
    team_c: object
    team_d: object
    share_a: object
    share_b: object
    share_d: object
    signal: object
    checkin: object
    session: object


@pytest.fixture
def world(db) -> World:
    patient = UserFactory.create(display_name="Marlowe", email="marlowe@example.test")
    other_patient = UserFactory.create()
    team_a, team_b, team_c, team_d = (CareTeamFactory() for _ in range(4))
    clinician, out_of_scope, unshared, revoked = (CareUserFactory.create() for _ in range(4))
    for team, member in (
        (team_a, clinician),
        (team_b, out_of_scope),
        (team_c, unshared),
        (team_d, revoked),
    ):
        MembershipFactory(team=team, user=member)
    share_a = ShareFactory(patient=patient, team=team_a, scope=EVERYTHING)
    share_b = ShareFactory(patient=patient, team=team_b, scope=Scope.TRENDS)
    share_d = ShareFactory(patient=patient, team=team_d, revoked_at=timezone.now())
    checkin = CheckInFactory(patient=patient, mood=3, note=NOTE_MARKER)
    session = TreatmentSessionFactory(patient=patient, insights=INSIGHT_MARKER)
    QuestionnaireResponseFactory(patient=patient, answers=[2, 2, 2, 2, 2, 1, 1, 1, 0])
    signal = SignalFactory(
        patient=patient, kind="sustained_slide", details={"low_days": 9, "areas": [REASON_MARKER]}
    )
    return World(
        patient=patient,
        other_patient=other_patient,
        clinician=clinician,
        out_of_scope=out_of_scope,
        unshared=unshared,
        revoked=revoked,
        team_a=team_a,
        team_b=team_b,
        team_c=team_c,
        team_d=team_d,
        share_a=share_a,
        share_b=share_b,
        share_d=share_d,
        signal=signal,
        checkin=checkin,
        session=session,
    )


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append({"to": envelope.rcpt_tos, "message": message})
        return "250 Message accepted"

    def bodies(self) -> list[str]:
        out = []
        for item in self.messages:
            parts = [p.get_content() for p in item["message"].walk() if not p.is_multipart()]
            out.append(str(item["message"]["Subject"]) + "\n" + "\n".join(parts))
        return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; `.inbox.messages` is what it received."""
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    controller.inbox = inbox
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    return smtp_server


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Eight accounts per test with the real PBKDF2 cost made this suite minutes long; the
    # hasher is not what these tests are about (accounts tests keep the real one).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
