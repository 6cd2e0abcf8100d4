"""A real SMTP server on loopback (aiosmtpd) that tests can make slow, refuse, or hold."""

import asyncio
import email
import logging
import socket
import threading
from email import policy

import pytest
from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SinkHandler:
    """Accepts mail and keeps what it accepted. Knobs:

    - `replies`: SMTP replies to give to the next DATA commands, in order (e.g. "451 4.3.0 Try
      again later"); once used up, mail is accepted with 250.
    - `rcpt_replies`: the same for RCPT TO (a refused recipient).
    - `delay`: seconds to wait before answering DATA (to make two senders overlap).
    - `hold_next`: hold the next DATA until `release` is set, then answer 451 without keeping
      the message, as a server does when the client is gone. `holding` is set meanwhile.
    """

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[str] = []
        self.peers: set = set()
        self.replies: list[str] = []
        self.rcpt_replies: list[str] = []
        self.delay = 0.0
        self.hold_next = False
        self.holding = threading.Event()
        self.release = threading.Event()
        self.data_commands = 0
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.peers.add(session.peer)
        self.data_commands += 1
        if self.hold_next:
            self.hold_next = False
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Client went away"
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.replies:
            return self.replies.pop(0)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
            self.recipients.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        return [m["Subject"] for m in self.messages]


@pytest.fixture
def smtp_sink(settings, monkeypatch):
    """An SMTP server on 127.0.0.1 that this process and a worker subprocess both send to."""
    handler = SinkHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    # A worker subprocess reads its settings from the environment (tests/conftest._worker_env).
    monkeypatch.setenv("EMAIL_URL", f"smtp://127.0.0.1:{port}")
    handler.port = port
    yield handler
    handler.release.set()
    controller.stop()


@pytest.fixture
def reauthenticated_client(patient_client):
    """The patient, signed in and having just confirmed their password again, as allauth asks
    before a download of everything or a deletion."""
    from tests.factories import reauthenticate

    reauthenticate(patient_client)
    return patient_client
