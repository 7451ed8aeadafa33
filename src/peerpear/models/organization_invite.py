"""``organization_invites``: codes that let whoever holds one join an organization as a member."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from peerpear.db import Base, utcnow

# The part of a code shown in lists so admins can tell their invites apart (never enough of it
# to guess the rest: see organizations/invites.py).
CODE_PREFIX_LENGTH = 6


class OrganizationInvite(Base):
    """An invite: only the SHA-256 hex digest of its code is stored, like session tokens, so a
    leaked table holds no usable code; the lookup at join is by that digest (unique).

    Rotating replaces the code (digest and prefix) and keeps the row, its settings and its use
    count; revoking sets ``revoked_at`` and keeps the row as history. ``uses`` only grows, by a
    conditional UPDATE that cannot pass ``max_uses`` (the CHECK is the backstop).
    """

    __tablename__ = "organization_invites"
    __table_args__ = (
        CheckConstraint("uses >= 0", name="uses_not_negative"),
        CheckConstraint("max_uses IS NULL OR max_uses >= 1", name="max_uses_positive"),
        CheckConstraint("max_uses IS NULL OR uses <= max_uses", name="uses_within_max"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_prefix: Mapped[str] = mapped_column(String(CODE_PREFIX_LENGTH))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rotated_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    max_uses: Mapped[int | None]
    uses: Mapped[int] = mapped_column(default=0)
    revoked_at: Mapped[datetime | None]
