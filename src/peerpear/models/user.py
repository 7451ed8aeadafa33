"""``users``: one row per person, whatever way they sign in."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerpear.db import Base, TimestampMixin

if TYPE_CHECKING:
    from peerpear.models.auth_session import AuthSession
    from peerpear.models.identity import Identity
    from peerpear.models.membership import Membership
    from peerpear.models.profile import Profile

# RFC 5321 caps a forward path at 256 octets; 320 is the commonly quoted upper bound.
EMAIL_LENGTH = 320


def normalize_email(email: str) -> str:
    """The stored form of an email: stripped and lower-cased (uniqueness is case-insensitive)."""
    return email.strip().lower()


class User(TimestampMixin, Base):
    """A person. ``email`` is stored normalized (see :func:`normalize_email`).

    Storing the normalized form keeps the unique constraint a plain one (portable, usable by
    ``ON CONFLICT``), instead of a functional index on ``lower(email)``. The CHECK makes a caller
    that forgets to normalize fail loudly rather than create a case-variant duplicate.
    """

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(trim(email))", name="email_normalized"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    is_platform_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # When the person proved they receive mail at ``email`` (a verification link, a password
    # reset, a CAS sign-in); None: not proved (auth/account.py).
    email_verified_at: Mapped[datetime | None]
    # The mail that is not transactional, each the person's to turn off (mail/preferences.py):
    # introductions to their group on publish, and reminders of an unfinished questionnaire.
    email_introductions: Mapped[bool] = mapped_column(default=True, server_default=true())
    email_reminders: Mapped[bool] = mapped_column(default=True, server_default=true())

    # The database cascades deletes of a user's rows (ON DELETE CASCADE); passive_deletes keeps
    # the ORM from loading them first, which lazy="raise" would refuse anyway.
    identities: Mapped[list[Identity]] = relationship(
        back_populates="user", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    sessions: Mapped[list[AuthSession]] = relationship(
        back_populates="user", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    profile: Mapped[Profile | None] = relationship(
        back_populates="user", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
