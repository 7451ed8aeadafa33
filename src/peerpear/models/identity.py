"""``identities``: the ways a user signs in (a local password, a CAS user id)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerpear.db import Base, TimestampMixin
from peerpear.models.enums import IdentityProvider, enum_type
from peerpear.models.user import EMAIL_LENGTH

if TYPE_CHECKING:
    from peerpear.models.user import User


class Identity(TimestampMixin, Base):
    """A sign-in identity.

    ``subject`` is the normalized email for ``local`` and the CAS user id for ``cas``; the pair
    (provider, subject) finds the user at sign-in, so it is unique. A user holds at most one
    identity per provider; that unique (user_id, provider) also serves lookups by user.
    Only local identities carry a password hash (argon2, so 255 is ample).
    """

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("provider", "subject"),
        UniqueConstraint("user_id", "provider"),
        CheckConstraint(
            "provider = 'local' OR password_hash IS NULL", name="password_only_for_local"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[IdentityProvider] = mapped_column(enum_type(IdentityProvider, "provider"))
    subject: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    password_hash: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship(back_populates="identities", lazy="raise")
