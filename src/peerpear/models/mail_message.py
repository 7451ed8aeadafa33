"""``mail_messages``: every email the server sends, from queued to sent or failed (issue 12)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from peerpear.db import Base, utcnow
from peerpear.models.user import EMAIL_LENGTH


class MailStatus(StrEnum):
    QUEUED = "queued"  # waiting for its (next) attempt
    SENT = "sent"  # the SMTP server (or the outbox) took it
    FAILED = "failed"  # refused for good, or out of attempts: ``last_error`` says why


class MailMessage(Base):
    """One message to one recipient.

    The bodies are rendered when the message is queued (in the request that causes it) and
    kept only until it is sent or fails: they may hold a single-use link (a password reset),
    which the record has no need to keep. ``next_attempt_at`` is when a worker may (next) try
    it; a worker claims it by moving that time past its own attempt (mail/delivery.py), so a
    message whose worker died is tried again once the claim runs out. Deleting the event or
    the user deletes their messages' records.
    """

    __tablename__ = "mail_messages"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sent', 'failed')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The admins' list: an event's messages, newest first (by id).
        Index("ix_mail_messages_event_id_id", "event_id", "id"),
        # The periodic pass: queued messages whose time has come.
        Index("ix_mail_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    template: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=MailStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # What the message is about, where it must be sent once only (unique; mail/delivery.py):
    # ``intro:<event>:<group's user ids>:<user>``, ``reminder:<registration>:<deadline>``.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # The one-click link of a message that is not transactional (its List-Unsubscribe header),
    # kept like the bodies until it is sent.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
