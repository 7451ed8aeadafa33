"""``llm_calls``: one record per logical LLM call (all its attempts), for admins to read."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from peerpear.db import Base, utcnow


class LLMCallOutcome(StrEnum):
    OK = "ok"  # the provider answered (possibly after retries)
    CACHED = "cached"  # answered from the cache: no request was made
    FAILED = "failed"  # failed for good; ``reason`` says why


class LLMCall(Base):
    """A structured-output or embedding call as the uses made it.

    ``attempts`` counts the HTTP requests it took (0 when cached); the tokens are the sums the
    provider reported over those attempts (None when it reported none). Records are written in
    their own short transaction, so a caller whose transaction rolls back still leaves one.
    Deleting the event deletes its records; calls made for no event keep ``event_id`` None.
    """

    __tablename__ = "llm_calls"
    __table_args__ = (
        CheckConstraint("outcome IN ('ok', 'cached', 'failed')", name="outcome_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The route lists an event's records newest first (by id).
        Index("ix_llm_calls_event_id_id", "event_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(default=0)
    latency_ms: Mapped[int] = mapped_column(default=0)
    input_tokens: Mapped[int | None]
    output_tokens: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
