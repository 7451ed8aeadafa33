"""The SMTP mailer (aiosmtplib): one connection per message, TLS and credentials from the
settings. SMTP's own answer decides what a failure is: 5xx is permanent, 4xx temporary, and so
is anything that kept the conversation from finishing (no connection, a timeout, a drop)."""

from __future__ import annotations

import aiosmtplib

from peerpear.config import Settings
from peerpear.mail.mailer import OutgoingMessage, PermanentFailure, TemporaryFailure, to_email


def _one_sentence(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def classify(exc: Exception) -> TemporaryFailure | PermanentFailure:
    """The failure ``exc`` (raised by aiosmtplib, or the socket under it) amounts to."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        refused = exc.recipients[0]
        return classify(refused)
    if isinstance(exc, aiosmtplib.SMTPResponseException) and 400 <= exc.code < 600:
        reason = _one_sentence(f"the mail server answered {exc.code} {exc.message}")
        return PermanentFailure(reason) if exc.code >= 500 else TemporaryFailure(reason)
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return PermanentFailure(_one_sentence(f"the mail server does not support it: {exc}"))
    detail = str(exc) or type(exc).__name__
    return TemporaryFailure(_one_sentence(f"the mail server could not be reached: {detail}"))


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: OutgoingMessage) -> None:
        settings = self.settings
        try:
            await aiosmtplib.send(
                to_email(message, settings.mail_sender),
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                use_tls=settings.smtp_tls == "tls",
                start_tls=settings.smtp_tls == "starttls",
                username=settings.smtp_username or None,
                password=settings.smtp_password or None,
                timeout=settings.smtp_timeout_seconds,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise classify(exc) from exc
