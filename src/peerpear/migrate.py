"""Apply and inspect the Alembic migrations from code (used by ``peerpear serve`` and
``peerpear db ...``).

The Alembic configuration is built here rather than read from ``alembic.ini`` so that it works
from any working directory and never reconfigures the application's logging. The migration
scripts live in ``migrations/`` at the project root; an installation that ships them elsewhere
points ``PEERPEAR_MIGRATIONS_DIR`` at them.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from peerpear.config import get_settings
from peerpear.db import create_engine

MIGRATIONS_DIR_ENV = "PEERPEAR_MIGRATIONS_DIR"
# procrastinate's tables (PostgreSQL only; migration 0007 creates them from its own SQL) are not
# among our models: autogenerate must not offer to drop them.
FOREIGN_TABLE_PREFIX = "procrastinate_"


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name`` hook: our tables only."""
    return not (type_ == "table" and name is not None and name.startswith(FOREIGN_TABLE_PREFIX))


# Alembic's command API installs module-level proxies (alembic.context, alembic.op) for the run,
# so two runs in one process must not overlap. Between processes the database serializes them
# (see migrations/env.py).
_ALEMBIC_LOCK = threading.Lock()


def migrations_dir() -> Path:
    override = os.environ.get(MIGRATIONS_DIR_ENV)
    path = Path(override) if override else Path(__file__).resolve().parents[2] / "migrations"
    if not (path / "env.py").is_file():
        raise RuntimeError(
            f"Alembic migrations not found in {path}; set {MIGRATIONS_DIR_ENV} to their directory"
        )
    return path


def alembic_config(url: str | None = None) -> Config:
    """An Alembic ``Config`` for ``url`` (default: the settings' database URL)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["url"] = url or get_settings().database_url
    return config


def _refuse_running_loop(name: str) -> None:
    # env.py starts its own event loop with asyncio.run, which cannot nest in a running one.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(f"migrate.{name}() called inside a running event loop; use {name}_async()")


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Apply migrations up to ``revision``; a no-op when the database is already there."""
    _refuse_running_loop("upgrade")
    with _ALEMBIC_LOCK:
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "-1") -> None:
    """Revert migrations down to ``revision`` (``"base"`` reverts everything)."""
    _refuse_running_loop("downgrade")
    with _ALEMBIC_LOCK:
        command.downgrade(alembic_config(url), revision)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_async(url: str | None = None) -> str | None:
    """The revision the database is at, or ``None`` when no migration has been applied."""
    engine = create_engine(get_settings(), url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_revision)
    finally:
        await engine.dispose()


def current(url: str | None = None) -> str | None:
    """The revision the database is at, or ``None`` when no migration has been applied."""
    _refuse_running_loop("current")
    return asyncio.run(current_async(url))


def head() -> str | None:
    """The newest revision in the migration scripts."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def upgrade_async(url: str | None = None, revision: str = "head") -> None:
    """:func:`upgrade` for async callers: runs it in a worker thread with its own event loop."""
    await asyncio.to_thread(upgrade, url, revision)


async def downgrade_async(url: str | None = None, revision: str = "-1") -> None:
    await asyncio.to_thread(downgrade, url, revision)
