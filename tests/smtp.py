"""A real SMTP server on loopback (aiosmtpd) that tests can make slow, refuse, or hold."""

import asyncio
import email
import logging
import socket
import threading
from email import policy

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
    - `keep_held`: with `hold_next`, keep the held message as delivered (a server that took
      it, and whose "250 OK" the client never read).
    """

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[str] = []
        self.peers: set = set()
        self.replies: list[str] = []
        self.rcpt_replies: list[str] = []
        self.delay = 0.0
        self.hold_next = False
        self.keep_held = False
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
            if self.keep_held:
                self._keep(envelope)
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Client went away"
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.replies:
            return self.replies.pop(0)
        self._keep(envelope)
        return "250 Message accepted for delivery"

    def _keep(self, envelope) -> None:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
            self.recipients.extend(envelope.rcpt_tos)

    def subjects(self) -> list[str]:
        return [m["Subject"] for m in self.messages]
