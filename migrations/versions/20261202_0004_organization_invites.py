"""organization_invites: invite codes that let whoever holds one join as a member (issue 8).

Only a code's SHA-256 digest is stored (unique: the lookup at join), with a short display
prefix; optional expiry and maximum number of uses, kept within bounds by CHECKs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 01:51:22.731709+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organization_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_prefix", sa.String(length=6), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "max_uses IS NULL OR max_uses >= 1",
            name=op.f("ck_organization_invites_max_uses_positive"),
        ),
        sa.CheckConstraint(
            "max_uses IS NULL OR uses <= max_uses",
            name=op.f("ck_organization_invites_uses_within_max"),
        ),
        sa.CheckConstraint("uses >= 0", name=op.f("ck_organization_invites_uses_not_negative")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_organization_invites_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_invites_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_organization_invites_code_hash")),
    )
    with op.batch_alter_table("organization_invites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organization_invites_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("organization_invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_invites_organization_id"))

    op.drop_table("organization_invites")
