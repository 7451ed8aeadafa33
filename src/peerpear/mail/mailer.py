"""The mail interface: ``await mailer.send(message)``, which either hands the message over or
raises one of two failures, so that delivery (delivery.py) knows whether to try again."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from peerpear.config import Settings


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one recipient: a plain-text body and an HTML alternative."""

    to: str
    subject: str
    text: str
    html: str
    # Extra headers (List-Unsubscribe on messages that are not transactional, later).
    headers: dict[str, str] = field(default_factory=dict)


class TemporaryFailure(Exception):
    """Not delivered this time, may work later: SMTP 4xx, no connection, a timeout."""


class PermanentFailure(Exception):
    """Refused for good (SMTP 5xx): trying again would only be refused again."""


class Mailer(Protocol):
    async def send(self, message: OutgoingMessage) -> None:
        """Deliver ``message`` or raise TemporaryFailure / PermanentFailure (with the reason
        in one sentence)."""
        ...


def to_email(message: OutgoingMessage, sender: str) -> EmailMessage:
    """The MIME message: multipart/alternative, the text first (the part readers fall back
    to), the HTML second (the preferred one)."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rpartition("@")[2].strip("> ") or "localhost"
    email["Message-ID"] = make_msgid(domain=domain)
    for name, value in message.headers.items():
        email[name] = value
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    return email


def create_mailer(settings: Settings) -> Mailer:
    """SMTP when a host is configured, else the file outbox (nothing is lost either way)."""
    if settings.smtp_host:
        from peerpear.mail.smtp import SmtpMailer

        return SmtpMailer(settings)
    from peerpear.mail.outbox import OutboxMailer

    return OutboxMailer(settings)
