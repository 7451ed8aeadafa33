"""The mailer of a server without SMTP (the embedded default): each message is written to
``PEERPEAR_MAIL_OUTBOX_DIR`` as an .eml file (any mail program opens it) and logged, so nothing
is lost and a developer can follow the links."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from pathlib import Path

from peerpear.config import Settings
from peerpear.db import utcnow
from peerpear.mail.mailer import OutgoingMessage, TemporaryFailure, to_email

logger = logging.getLogger("peerpear.mail")


class OutboxMailer:
    def __init__(self, settings: Settings) -> None:
        self.directory = Path(settings.mail_outbox_dir)
        self.sender = settings.mail_sender

    async def send(self, message: OutgoingMessage) -> None:
        data = to_email(message, self.sender).as_bytes()
        name = f"{utcnow():%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}.eml"
        try:
            path = await asyncio.to_thread(self._write, name, data)
        except OSError as exc:  # a full disk, a directory made read-only: may pass
            raise TemporaryFailure(f"the outbox file could not be written: {exc}") from exc
        logger.info("mail to %s (%s) written to %s", message.to, message.subject, path)

    def _write(self, name: str, data: bytes) -> Path:
        # Written aside, then renamed: a reader of the folder never sees half a message.
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / name
        partial = self.directory / f".{name}.partial"
        partial.write_bytes(data)
        os.replace(partial, path)
        return path
