"""The audit log: one helper every feature uses to record who changed what.

Entries are added to the caller's session and flushed with its transaction, so an action and its
audit entry commit (or roll back) together; services never commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import AuditLogEntry, User


def record(
    db: AsyncSession,
    actor: User | None,
    action: str,
    *,
    organization_id: int | None = None,
    event_id: int | None = None,
    target_type: str = "",
    target_id: int | str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """Add an audit entry for ``action`` (a dotted verb such as ``membership.promote``).

    ``actor`` is None for actions the system takes by itself (e.g. a deadline closing an event).
    ``details`` should hold what a reader needs once the referenced rows are gone (names, roles).
    """
    entry = AuditLogEntry(
        organization_id=organization_id,
        event_id=event_id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=dict(details or {}),
    )
    db.add(entry)
    return entry
