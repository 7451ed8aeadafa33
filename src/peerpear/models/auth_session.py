"""``auth_sessions``: server-side sign-in sessions behind the cookie and the bearer token."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerpear.db import Base, utcnow

if TYPE_CHECKING:
    from peerpear.models.user import User


class AuthSession(Base):
    """One signed-in session.

    Only the SHA-256 hex digest of the token is stored, so a leaked table does not leak usable
    tokens; the lookup is by that digest (unique). A session is valid while ``revoked_at`` is
    NULL and ``expires_at`` is in the future; ``expires_at`` is indexed for purging old rows.
    """

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="sessions", lazy="raise")
