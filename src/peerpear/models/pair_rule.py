"""``pair_rules``: must-pair / never-pair lists and students' private avoid requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peerpear.db import Base, utcnow
from peerpear.models.enums import PairRuleKind, enum_type


class PairRule(Base):
    """A rule between two users of an event.

    ``must_pair`` and ``never_pair`` are symmetric, so they are stored ordered
    (user_a_id < user_b_id): the unique constraint then sees (x, y) and (y, x) as the same rule,
    and callers normalize with :meth:`ordered`. ``avoid`` is directional (user_a asked not to be
    paired with user_b; only user_a may see or change it), so its order is meaningful and only
    a self-reference is refused. Rules point at users, not registrations, so an admin can set
    them before people register. The unique constraint leads with event_id and serves the
    event's rule list; user_b_id is indexed for the delete cascade from users.
    """

    __tablename__ = "pair_rules"
    __table_args__ = (
        UniqueConstraint("event_id", "kind", "user_a_id", "user_b_id"),
        CheckConstraint(
            "user_a_id < user_b_id OR (kind = 'avoid' AND user_a_id <> user_b_id)",
            name="users_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[PairRuleKind] = mapped_column(enum_type(PairRuleKind, "kind"))
    user_a_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user_b_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @staticmethod
    def ordered(kind: PairRuleKind, a: int, b: int) -> tuple[int, int]:
        """The stored (user_a_id, user_b_id) for a rule between ``a`` and ``b``."""
        if kind is PairRuleKind.AVOID:
            return a, b
        return (a, b) if a < b else (b, a)
