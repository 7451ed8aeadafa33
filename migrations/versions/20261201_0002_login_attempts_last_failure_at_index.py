"""login_attempts: index last_failure_at; start the counters afresh under the new rules.

Sign-in throttling now keeps one counter per (account, client address) besides the account and
address ceilings, so the table holds more rows, and every attempt deletes the dead ones by
``last_failure_at``: an index keeps that a range scan. The counters are only throttling state:
the ones made under the old rules (an account locked after 5 failures from anywhere) are
dropped rather than reinterpreted.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 20:23:45.614133+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM login_attempts"))
    op.create_index(
        op.f("ix_login_attempts_last_failure_at"), "login_attempts", ["last_failure_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_login_attempts_last_failure_at"), table_name="login_attempts")
