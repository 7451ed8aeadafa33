"""Recurring rounds (issue 12): events.recurrence (how often, until when, auto-publish),
registrations.paused_at and registrations.skipped_rounds (a student's opt-outs), and the
rounds table (one pairing run per round; unique per event and number).

Downgrading drops the table and the columns.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 15:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("recurrence", sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("skipped_rounds", sa.JSON(), server_default="[]", nullable=False)
        )
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'ready', 'published', 'failed')",
            name=op.f("ck_rounds_status"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_rounds_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["pairing_runs.id"],
            name=op.f("fk_rounds_run_id_pairing_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
        sa.UniqueConstraint("event_id", "number", name=op.f("uq_rounds_event_id_number")),
    )
    with op.batch_alter_table("rounds") as batch:
        batch.create_index(batch.f("ix_rounds_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        batch.drop_index(batch.f("ix_rounds_run_id"))
    op.drop_table("rounds")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("skipped_rounds")
        batch.drop_column("paused_at")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("recurrence")
