"""``admin_requests``: a user asking to become an admin of an organization."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerpear.db import Base, utcnow
from peerpear.models.enums import AdminRequestStatus, enum_type

if TYPE_CHECKING:
    from peerpear.models.organization import Organization
    from peerpear.models.user import User

_PENDING = text("status = 'pending'")


class AdminRequest(Base):
    """A request and, once decided, who decided it and when.

    Decided requests are kept as history, so "no duplicate pending request" is a *partial*
    unique index over pending rows only (both SQLite and PostgreSQL support them); a concurrent
    double submit then fails with IntegrityError instead of creating two rows. The decider is
    SET NULL on delete so history survives the owner leaving the platform.
    """

    __tablename__ = "admin_requests"
    __table_args__ = (
        Index(
            "uq_admin_requests_one_pending",
            "user_id",
            "organization_id",
            unique=True,
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        ),
        # An owner's list of requests, usually filtered to pending ones.
        Index("ix_admin_requests_organization_id_status", "organization_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    status: Mapped[AdminRequestStatus] = mapped_column(
        enum_type(AdminRequestStatus, "status"), default=AdminRequestStatus.PENDING
    )
    message: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    organization: Mapped[Organization] = relationship(lazy="raise")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id], lazy="raise")
