"""``pairing_groups``: the groups of a working pairing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerpear.db import Base

if TYPE_CHECKING:
    from peerpear.models.pairing import Pairing
    from peerpear.models.pairing_group_member import PairingGroupMember


class PairingGroup(Base):
    """A group. ``locked`` groups are kept as they are when the rest is re-optimized.

    The redundant unique (id, pairing_id) exists so members can reference (group, pairing)
    together with a composite foreign key, which guarantees a member's denormalized pairing_id
    is its group's. (pairing_id, position) serves reading a pairing's groups in order.
    """

    __tablename__ = "pairing_groups"
    __table_args__ = (
        UniqueConstraint("id", "pairing_id"),
        Index("ix_pairing_groups_pairing_id_position", "pairing_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    locked: Mapped[bool] = mapped_column(default=False, server_default=false())
    score: Mapped[float | None]

    pairing: Mapped[Pairing] = relationship(back_populates="groups", lazy="raise")
    members: Mapped[list[PairingGroupMember]] = relationship(
        back_populates="group",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
