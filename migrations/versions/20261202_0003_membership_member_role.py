"""memberships.role: add ``member``, the organization's students (issue 8).

The role is a VARCHAR with a CHECK constraint (models/enums.py), so a new value is a new CHECK.
SQLite cannot alter a constraint in place: batch mode rebuilds the table, on PostgreSQL the
same operations are a DROP CONSTRAINT and an ADD CONSTRAINT. Downgrading refuses while members
exist (the old CHECK would reject them) rather than deleting anyone's membership.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 01:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _role(*values: str) -> sa.Enum:
    return sa.Enum(*values, name="role", native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.alter_column(
            "role",
            existing_type=_role("owner", "admin"),
            type_=_role("owner", "admin", "member"),
            existing_nullable=False,
        )


def downgrade() -> None:
    count = sa.text("SELECT count(*) FROM memberships WHERE role = 'member'")
    members = op.get_bind().scalar(count)
    if members:
        raise RuntimeError(
            f"{members} memberships have the role 'member', which revision 0002 cannot store; "
            "remove them (or make them admins) before downgrading"
        )
    with op.batch_alter_table("memberships") as batch:
        batch.alter_column(
            "role",
            existing_type=_role("owner", "admin", "member"),
            type_=_role("owner", "admin"),
            existing_nullable=False,
        )
