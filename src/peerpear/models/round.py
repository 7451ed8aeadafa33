"""``rounds``: one pairing of a recurring event (a week's coffee chats)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peerpear.db import Base, utcnow
from peerpear.models.enums import enum_type


class RoundStatus(StrEnum):
    RUNNING = "running"  # its pairing run is queued or running
    READY = "ready"  # the run succeeded; an admin publishes it (auto_publish off)
    PUBLISHED = "published"  # the participants see their group
    FAILED = "failed"  # the run failed, or too few people opted in (``error`` says which)


class Round(Base):
    """Round ``number`` of a recurring event, created by the periodic scheduler when it is due.

    (event_id, number) is unique: two schedulers on two hosts racing for one round insert one
    row, and the loser's transaction (with its run) rolls back, so a round never gets two runs.
    The groups are the run's result (``run_id``); the run is SET NULL only if someone deletes
    it, and the round then has no groups to show.
    """

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    number: Mapped[int]
    scheduled_at: Mapped[datetime]
    status: Mapped[RoundStatus] = mapped_column(
        enum_type(RoundStatus, "status"), default=RoundStatus.RUNNING
    )
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("pairing_runs.id", ondelete="SET NULL"), index=True
    )
    participants: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
