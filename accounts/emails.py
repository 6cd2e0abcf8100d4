"""Rendering Tideline's emails, with no health data in them.

Each email is a template triplet in templates/emails/: `<name>_subject.txt`, `<name>.txt` and
`<name>.html`. The context must hold only what the templates need for a subject and a link.
`build_message` makes one message; `PreparedEmail` renders one kind of email once for a whole
batch of recipients. Sending each exactly once is `accounts.delivery`'s job.
"""

import functools
import secrets
from email.utils import formatdate, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import (
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    forbid_multi_line_headers,
    sanitize_address,
)
from django.template.loader import render_to_string
from django.utils.html import escape

from .models import EmailDelivery


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    subject = render_to_string(f"emails/{name}_subject.txt", context).strip()
    subject = " ".join(subject.splitlines())
    text = render_to_string(f"emails/{name}.txt", context)
    html = render_to_string(f"emails/{name}.html", context)
    return subject, text, html


def _mail_domain() -> str:
    return _domain_of(settings.DEFAULT_FROM_EMAIL)


@functools.lru_cache(maxsize=8)
def _domain_of(from_email: str) -> str:
    # Cached: parsing the sender address once per message was a measurable share of a batch.
    address = parseaddr(from_email)[1]
    return address.rpartition("@")[2] or "tideline.local"


def delivery_message_id(delivery: EmailDelivery) -> str:
    """Stable per log row: a resend after a crash is recognisably the same message."""
    stamp = int(delivery.created_at.timestamp()) if delivery.created_at else 0
    return f"<delivery.{delivery.pk}.{stamp}@{_mail_domain()}>"


def _our_headers(unsubscribe_url: str | None, message_id: str | None) -> dict[str, str]:
    """The headers every Tideline email adds, in order, for both ways of building one."""
    headers = {"Auto-Submitted": "auto-generated"}
    if unsubscribe_url:
        # RFC 2369 + RFC 8058: mail apps show an unsubscribe button that POSTs, no login needed.
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if message_id:
        headers["Message-ID"] = message_id
    return headers


def build_message(
    *,
    to: str,
    name: str,
    context: dict,
    unsubscribe_url: str | None = None,
    connection=None,
    message_id: str | None = None,
) -> EmailMultiAlternatives:
    subject, text, html = render_email(
        name, {"site_url": settings.SITE_URL, "unsubscribe_url": unsubscribe_url, **context}
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to],
        headers=_our_headers(unsubscribe_url, message_id),
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


class PreparedEmail:
    """One kind of email for many recipients: rendered and encoded once, copied per recipient.

    A reminder batch sends the same email to up to REMINDER_BATCH_SIZE people; only the greeting
    name, the unsubscribe link, the To address, the Date and the Message-ID differ. Rendering
    the templates and running Python's `email` generator (header folding, a regular expression
    per MIME boundary) for every copy was about half of a reminder's CPU. Here the triplet is
    rendered once with unguessable markers where the two personal values go, the headers that
    never change are encoded once, and each copy is the same bytes with the values put in:
    raw in the text part, HTML-escaped in the HTML part, as the templates would have put them.

    The bytes are what `build_message(...).message().as_bytes()` makes (text + HTML
    alternatives, utf-8, 7bit or 8bit, List-Unsubscribe + List-Unsubscribe-Post, the given
    Message-ID; tests/accounts/test_emails.py compares the two). They go out through the batch's
    open SMTP connection with the same `sendmail` call and errors as Django's backend. Anything
    this fast path does not cover falls back to `build_message`: another email backend
    (console, file, tests' locmem), a line too long for 8bit (Django would switch to
    quoted-printable), or a template that puts a marker somewhere we do not substitute.
    """

    def __init__(self, *, name: str, context: dict, unsubscribe: bool = True):
        self.name = name
        self.context = context
        self.unsubscribe = unsubscribe
        self._greeting = f"tideline{secrets.token_hex(12)}greeting"
        self._link = f"tideline{secrets.token_hex(12)}unsubscribe"
        subject, text, html = render_email(
            name,
            {
                "site_url": settings.SITE_URL,
                **context,
                "greeting_name": self._greeting,
                "unsubscribe_url": self._link if unsubscribe else None,
            },
        )
        # The personal values may appear only in the bodies, where they are substituted; the
        # parts are written as utf-8, which is what Django does with the default charset.
        self.usable = (
            self._greeting not in subject
            and self._link not in subject
            and settings.DEFAULT_CHARSET.lower() == "utf-8"
        )
        self.subject = subject
        self._text = text
        self._html = html
        self._encoding = settings.DEFAULT_CHARSET
        self.from_email = settings.DEFAULT_FROM_EMAIL
        self._envelope_from = sanitize_address(self.from_email, self._encoding)
        self._boundary = f"==============={secrets.token_hex(10)}=="
        header = [
            f'Content-Type: multipart/alternative;\r\n boundary="{self._boundary}"',
            "MIME-Version: 1.0",
            self._header("Subject", subject),
            self._header("From", self.from_email),
        ]
        self._head = "\r\n".join(header) + "\r\n"

    def _header(self, name: str, value: str) -> str:
        """One header line as Django's message would set it (encoded words for non-ASCII,
        a refusal of newlines against header injection)."""
        name, value = forbid_multi_line_headers(name, value, self._encoding)
        return f"{name}: {value}".replace("\r\n", "\n").replace("\n", "\r\n")

    def _part(self, subtype: str, body: str) -> str | None:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
        try:
            body.encode("ascii")
            encoding = "7bit"
        except UnicodeEncodeError:
            encoding = "8bit"
        if any(
            len(line.encode(errors="surrogateescape")) > RFC5322_EMAIL_LINE_LENGTH_LIMIT
            for line in body.split("\n")
        ):
            return None  # Django would send this part quoted-printable
        return (
            f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
            f"Content-Transfer-Encoding: {encoding}\r\n\r\n" + body.replace("\n", "\r\n")
        )

    def as_bytes(
        self, *, to: str, greeting_name: str, unsubscribe_url: str | None, message_id: str
    ) -> bytes | None:
        """The whole message for one recipient, CRLF line ends; None if only the slow path
        can make it (see the class docstring)."""
        if not self.usable or bool(unsubscribe_url) != self.unsubscribe:
            return None
        link = unsubscribe_url or ""
        # The link is ours and goes in first, the name (the person's own text) last: nothing
        # the person typed is ever searched for a marker.
        text = self._text.replace(self._link, link).replace(self._greeting, greeting_name)
        html = self._html.replace(self._link, escape(link)).replace(
            self._greeting, escape(greeting_name)
        )
        text_part, html_part = self._part("plain", text), self._part("html", html)
        if text_part is None or html_part is None:
            return None
        if self._boundary in text_part or self._boundary in html_part:
            return None
        lines = [
            self._header("To", to),
            self._header("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)),
            *(
                self._header(name, value)
                for name, value in _our_headers(unsubscribe_url, message_id).items()
            ),
        ]
        headers = "\r\n".join(lines)
        boundary = self._boundary
        message = (
            f"{self._head}{headers}\r\n\r\n--{boundary}\r\n{text_part}\r\n"
            f"--{boundary}\r\n{html_part}\r\n--{boundary}--\r\n"
        )
        return message.encode("utf-8", errors="surrogateescape")

    def send(
        self,
        *,
        to: str,
        greeting_name: str,
        unsubscribe_url: str | None,
        message_id: str,
        connection=None,
    ) -> None:
        """Send one recipient's copy; raises what Django's backend would raise."""
        smtp = getattr(connection, "connection", None) if connection is not None else None
        data = None
        if isinstance(connection, SMTPBackend) and smtp is not None:
            data = self.as_bytes(
                to=to,
                greeting_name=greeting_name,
                unsubscribe_url=unsubscribe_url,
                message_id=message_id,
            )
        if data is None:
            build_message(
                to=to,
                name=self.name,
                context={**self.context, "greeting_name": greeting_name},
                unsubscribe_url=unsubscribe_url,
                connection=connection,
                message_id=message_id,
            ).send()
            return
        # What Django's SMTP backend does in `_send`, minus building the message again.
        if smtp is None:  # data is only made for an open SMTP connection
            raise RuntimeError("no open SMTP connection to send through")
        smtp.sendmail(self._envelope_from, [sanitize_address(to, self._encoding)], data)
