"""Alembic environment: migrations run over the application's own async engine.

The URL is, in order: ``config.attributes["url"]`` (set by :mod:`peerpear.migrate`), ``-x url=``
on the alembic command line, else the settings' ``database_url``. A caller that already holds a
synchronous connection may pass it as ``config.attributes["connection"]`` (Alembic's cookbook
pattern) and no engine is built.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

import peerpear.models  # noqa: F401  (registers every table on Base.metadata)
from peerpear.config import get_settings
from peerpear.db import Base, UTCDateTime, create_engine
from peerpear.migrate import include_name

config = context.config
target_metadata = Base.metadata

# Only the alembic command line configures logging from alembic.ini; the server and the CLI
# build the Config in code (no file), so their own logging setup is left alone.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    url = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    return str(url) if url else get_settings().database_url


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write the application's UTCDateTime as the plain column type it stands for.

    Revisions must not import application types: a later change to db.py would otherwise change
    (or break) what an old revision creates. UTC conversion is a Python-side concern anyway.
    """
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    """``alembic upgrade --sql``: print the SQL instead of running it."""
    url = database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
        render_item=render_item,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


# Any constant: serializes concurrent upgrades of one PostgreSQL database (several API processes
# or operators starting at once); the second waits, then finds nothing left to do.
_PG_MIGRATION_LOCK = 0x7065_6172  # "pear"


def do_run_migrations(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=sqlite,
        compare_type=True,
        render_item=render_item,
        include_name=include_name,
        # SQLite runs DDL inside a transaction perfectly well; see _run_on_own_sqlite_connection.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
        context.run_migrations()
        if sqlite:
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"migration left rows violating foreign keys: {problems[:5]}")


def _run_on_own_sqlite_connection(connection: Connection) -> None:
    """Make a SQLite upgrade atomic and safe for batch mode, on the connection env.py owns.

    Batch mode rebuilds a table (create copy, copy rows, DROP the original, rename); with
    foreign keys on, that DROP would cascade-delete every child row. The pragma cannot change
    inside a transaction, so it is turned off first (the connection is private to this run and
    discarded after) and foreign_key_check verifies the result before commit instead.
    The Python driver does not BEGIN before DDL, so the transaction is opened explicitly;
    IMMEDIATE takes the write lock up front, so two processes upgrading at once run one after
    the other instead of both reading the old version; the waiting one is given a minute, more
    than the application's busy timeout, since a migration may hold the lock that long.
    """
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.exec_driver_sql("PRAGMA busy_timeout=60000")
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    do_run_migrations(connection)


async def run_async_migrations(url: str) -> None:
    engine = create_engine(get_settings(), url)
    try:
        async with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                await connection.run_sync(_run_on_own_sqlite_connection)
            else:
                await connection.run_sync(do_run_migrations)
            # Alembic treats a transaction begun before configure() as the caller's to commit.
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        do_run_migrations(connection)
        return
    # A fresh event loop: callers inside a running loop use peerpear.migrate.upgrade_async,
    # which runs this in a worker thread.
    asyncio.run(run_async_migrations(database_url()))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
