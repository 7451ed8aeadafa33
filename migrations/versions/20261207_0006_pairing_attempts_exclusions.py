"""pairing_runs.attempts (how many times a worker started the run) and
pairings.excluded_registration_ids (people an admin chose to leave out of the published pairing).

Both are additions with defaults, so existing rows stay valid and downgrading only drops them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pairing_runs") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("pairings") as batch:
        batch.add_column(
            sa.Column("excluded_registration_ids", sa.JSON(), server_default="[]", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("pairings") as batch:
        batch.drop_column("excluded_registration_ids")
    with op.batch_alter_table("pairing_runs") as batch:
        batch.drop_column("attempts")
