"""``memberships``: who belongs to which organization, and in what role."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerpear.db import Base, utcnow
from peerpear.models.enums import MembershipRole, enum_type

if TYPE_CHECKING:
    from peerpear.models.organization import Organization
    from peerpear.models.user import User


class Membership(Base):
    """A (user, organization, role) triple, one per user and organization.

    The unique (user_id, organization_id) also serves "my organizations"; organization_id has its
    own index for member lists. "At least one owner" spans rows, so the service enforces it (with
    the organization's memberships locked), not a constraint.
    """

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MembershipRole] = mapped_column(enum_type(MembershipRole, "role"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships", lazy="raise")
    organization: Mapped[Organization] = relationship(back_populates="memberships", lazy="raise")
