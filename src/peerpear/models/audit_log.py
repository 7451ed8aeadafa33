"""``audit_log``: who changed what, for membership changes, pairing edits and publishing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from peerpear.db import Base, utcnow


class AuditLogEntry(Base):
    """An append-only record.

    Every reference is nullable and SET NULL on delete, so the history outlives the users,
    events and organizations it mentions; ``target_type``/``target_id`` and ``details`` keep
    enough to read it afterwards (``target_id`` is a string so any kind of key fits).
    ``action`` is a dotted verb such as ``membership.promote`` or ``pairing.publish``.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_organization_id_created_at", "organization_id", "created_at"),
        Index("ix_audit_log_event_id_created_at", "event_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64), default="")
    target_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
