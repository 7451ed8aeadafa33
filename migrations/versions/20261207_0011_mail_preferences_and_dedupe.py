"""users.email_introductions / users.email_reminders (a person's choice of the mail that is not
transactional: introductions on publish, deadline reminders) and mail_messages.dedupe_key (what
a message is *about*, unique: the introduction of one group to one person, the automatic
reminder of one registration for one deadline), so the same one is never queued twice, and
mail_messages.unsubscribe_url (sent as List-Unsubscribe with the message) (issue 12).

Both preferences default to on for existing accounts; existing messages get no key. Downgrading
drops the columns.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 15:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("email_introductions", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(
            sa.Column("email_reminders", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("mail_messages") as batch:
        batch.add_column(sa.Column("dedupe_key", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("unsubscribe_url", sa.String(length=500), nullable=True))
        batch.create_unique_constraint(batch.f("uq_mail_messages_dedupe_key"), ["dedupe_key"])


def downgrade() -> None:
    with op.batch_alter_table("mail_messages") as batch:
        batch.drop_constraint(batch.f("uq_mail_messages_dedupe_key"), type_="unique")
        batch.drop_column("unsubscribe_url")
        batch.drop_column("dedupe_key")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_reminders")
        batch.drop_column("email_introductions")
