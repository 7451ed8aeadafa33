"""``pairing_runs``: one execution of the pairing engine on a snapshot of an event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from peerpear.db import Base, utcnow
from peerpear.models.enums import RunStatus, RunStrategy, enum_type


class PairingRun(Base):
    """A run, kept after it finishes so admins can compare runs.

    The run doubles as its own job row: workers on any host claim the oldest ``queued`` run
    (the (status, created_at) index; ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL), set
    ``worker_id`` and refresh ``heartbeat_at`` while running so a run whose worker died can be
    detected and failed or requeued. Cancellation is cooperative: the API sets
    ``cancel_requested`` and the worker stops at its next progress check.
    ``result`` holds the engine's output (groups and participants) and ``metrics`` its summary;
    ``input_fingerprint`` (SHA-256 hex of the canonical problem) tells whether two runs saw the
    same inputs. (event_id, created_at) serves an event's run history, newest first.
    """

    __tablename__ = "pairing_runs"
    __table_args__ = (
        Index("ix_pairing_runs_event_id_created_at", "event_id", "created_at"),
        Index("ix_pairing_runs_status_created_at", "status", "created_at"),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress_fraction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    status: Mapped[RunStatus] = mapped_column(
        enum_type(RunStatus, "status"), default=RunStatus.QUEUED
    )
    strategy: Mapped[RunStrategy] = mapped_column(
        enum_type(RunStrategy, "strategy"), default=RunStrategy.OPTIMIZER
    )
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    progress: Mapped[float] = mapped_column(default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    engine_version: Mapped[str] = mapped_column(String(64), default="")
    input_fingerprint: Mapped[str | None] = mapped_column(String(64))
    cancel_requested: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Each start of the run by a worker (a retry after a worker died is a second attempt);
    # ``worker_id`` names the attempt that owns the run, and only it may write the outcome.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    worker_id: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
