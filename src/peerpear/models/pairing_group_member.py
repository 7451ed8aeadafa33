"""``pairing_group_members``: who is in which group of a working pairing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerpear.db import Base

if TYPE_CHECKING:
    from peerpear.models.pairing_group import PairingGroup
    from peerpear.models.registration import Registration


class PairingGroupMember(Base):
    """A registration placed in a group.

    ``pairing_id`` is copied from the group so that unique (pairing_id, registration_id) can
    guarantee a person appears in at most one group of a pairing; the composite foreign key
    (group_id, pairing_id) -> pairing_groups (id, pairing_id) keeps the copy honest, and cascades
    from the group (hence from the pairing). Moving someone changes group_id only (the
    relationship sets both columns from the group). Withdrawing a registration removes it here.
    """

    __tablename__ = "pairing_group_members"
    __table_args__ = (
        ForeignKeyConstraint(
            ["group_id", "pairing_id"],
            ["pairing_groups.id", "pairing_groups.pairing_id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("pairing_id", "registration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(index=True)
    pairing_id: Mapped[int]
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    satisfaction: Mapped[float | None]
    explanation: Mapped[str | None] = mapped_column(Text)
    # The explanation in friendly words (llm/explanations.py); NULL: show ``explanation``.
    friendly_explanation: Mapped[str | None] = mapped_column(Text)

    group: Mapped[PairingGroup] = relationship(back_populates="members", lazy="raise")
    registration: Mapped[Registration] = relationship(lazy="raise")
