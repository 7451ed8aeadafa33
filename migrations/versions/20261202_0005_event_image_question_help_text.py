"""events.image_key (the event image, issue 8) and questions.help_text.

Both are additions: a nullable column, and a text column with an empty default, so existing
rows stay valid and downgrading only drops them (the images on disk are left in place).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("image_key", sa.String(length=200), nullable=True))
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("help_text", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("help_text")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("image_key")
