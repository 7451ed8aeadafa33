"""``pairings``: an event's working result, edited by admins and eventually published."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerpear.db import Base, TimestampMixin

if TYPE_CHECKING:
    from peerpear.models.pairing_group import PairingGroup


class Pairing(TimestampMixin, Base):
    """At most one per event (unique event_id); it starts as a copy of ``source_run``.

    ``version`` is for optimistic concurrency: every edit checks the version the client read
    and bumps it (``UPDATE ... SET version = version + 1 WHERE id = :id AND version = :seen``),
    so two admins editing at once get a conflict instead of a silent lost update. The source run
    is SET NULL on delete: the working result stands on its own once copied.
    """

    __tablename__ = "pairings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    source_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("pairing_runs.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(default=1)
    published_at: Mapped[datetime | None]
    # Registrations an admin chose to leave out: publishing does not require them placed.
    excluded_registration_ids: Mapped[list[int]] = mapped_column(
        JSON, default=list, server_default="[]"
    )

    groups: Mapped[list[PairingGroup]] = relationship(
        back_populates="pairing",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PairingGroup.position",
    )
