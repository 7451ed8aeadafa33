"""pairing_group_members.friendly_explanation: the engine's explanation rephrased by the LLM
(made in the background after a publish; NULL offline, or where the model's text was refused),
which a student's ``my-group`` shows instead of the engine's own when present.

An addition without a default, so existing rows stay valid and downgrading only drops it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pairing_group_members") as batch:
        batch.add_column(sa.Column("friendly_explanation", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pairing_group_members") as batch:
        batch.drop_column("friendly_explanation")
