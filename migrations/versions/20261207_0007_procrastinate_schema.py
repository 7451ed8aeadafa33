"""procrastinate's tables, functions and types (the job queue on PostgreSQL; nothing on SQLite).

The SQL is procrastinate's own (``SchemaManager.get_schema()``) for the minor version that
pyproject.toml pins: a later minor version ships SQL migrations of its own, to be applied by a
new revision here when the pin moves. Downgrading drops every ``procrastinate_*`` object.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 10:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROP_ALL = """
DO $$
DECLARE item record;
BEGIN
    FOR item IN SELECT tablename FROM pg_tables
                WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', item.tablename);
    END LOOP;
    FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', item.signature);
    END LOOP;
    FOR item IN SELECT t.typname FROM pg_type t
                JOIN pg_namespace n ON n.oid = t.typnamespace
                WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%'
                  AND t.typtype IN ('e', 'c')
    LOOP
        EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', item.typname);
    END LOOP;
END $$;
"""


def _run_script(sql: str) -> None:
    """Run several statements at once, inside the migration's transaction. asyncpg runs a
    script only through its simple-query ``execute`` (a prepared statement takes one)."""
    bind = op.get_bind()
    driver = bind.connection.driver_connection
    if bind.dialect.driver == "asyncpg" and driver is not None:
        from sqlalchemy.util import await_only

        await_only(driver.execute(sql))
    else:
        bind.exec_driver_sql(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    _run_script(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run_script(DROP_ALL)
