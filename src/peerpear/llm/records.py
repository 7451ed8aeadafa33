"""Writing the record of each LLM call (``llm_calls``), in a transaction of its own.

A record is written whatever becomes of the caller's transaction (a job that fails after a
call still shows the call to admins), and briefly: one insert, one commit. A record that
cannot be written (the event was deleted meanwhile, the database is away) is logged and
skipped; it never fails the call it describes.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.db import utcnow
from peerpear.models import LLMCall, LLMCallOutcome

logger = logging.getLogger("peerpear.llm.records")

REASON_LENGTH = 500  # the column's


@dataclass(frozen=True)
class CallRecord:
    event_id: int | None
    purpose: str
    provider: str
    model: str
    outcome: LLMCallOutcome
    attempts: int
    latency_ms: int
    reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None


async def save_record(sessions: async_sessionmaker[AsyncSession], record: CallRecord) -> None:
    values = asdict(record)
    values["outcome"] = record.outcome.value
    values["purpose"] = record.purpose[:64]
    if record.reason is not None:
        values["reason"] = record.reason[:REASON_LENGTH]
    try:
        async with sessions() as db:
            db.add(LLMCall(**values, created_at=utcnow()))
            await db.commit()
    except SQLAlchemyError:
        logger.warning(
            "could not record an LLM call (%s, %s)", record.purpose, record.outcome, exc_info=True
        )
