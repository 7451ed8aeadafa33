"""Response bodies of the admins' mail list (GET /events/{event_id}/mail)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from peerpear.models import MailStatus
from peerpear.schemas_common import Page


class MailMessageOut(BaseModel):
    id: int
    recipient: str
    template: str = Field(description="Which message it is (introduction, reminder, ...).")
    subject: str
    status: MailStatus = Field(
        description="queued: waiting for its (next) attempt; sent: handed to the mail server "
        "(or, without one, written to the server's outbox); failed: refused for good or out "
        "of attempts (see last_error)."
    )
    attempts: int = Field(description="Attempts made so far.")
    last_error: str | None = Field(description="Why the last attempt failed, in one sentence.")
    user_id: int | None
    created_at: datetime
    next_attempt_at: datetime | None = Field(description="When a queued message is tried next.")
    sent_at: datetime | None


class MailMessagePage(Page[MailMessageOut]):
    pass
