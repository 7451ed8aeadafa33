"""The migrations build the schema the models describe, and take it down again, on SQLite and
(when PEERPEAR_TEST_DATABASE_URL is set) on PostgreSQL. Each test gets a fresh, empty database:
a temporary SQLite file, or a uniquely named PostgreSQL database dropped afterwards."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

import peerpear.models  # noqa: F401  (registers every table on Base)
from peerpear import migrate
from peerpear.config import Settings
from peerpear.db import Base, create_engine
from tests.db_backends import pg_server_url, sqlite_url, temporary_pg_database

MODEL_TABLES = set(Base.metadata.tables)


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database with nothing in it, on each backend."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    server = pg_server_url()
    if server is None:
        pytest.skip("PEERPEAR_TEST_DATABASE_URL is not set; PostgreSQL variant not run")
    async with temporary_pg_database(server) as url:
        yield url


async def _inspect(url: str, fn: Any) -> Any:
    """Run ``fn(sync_connection)`` against the database at ``url``."""
    engine = create_engine(Settings(environment="test", secret_key="test-secret-key"), url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def _table_names(conn: Connection) -> set[str]:
    """Our tables (procrastinate's, on PostgreSQL, are counted by _queue_tables)."""
    return {t for t in inspect(conn).get_table_names() if migrate.include_name(t, "table", {})}


def _queue_tables(conn: Connection) -> set[str]:
    return {t for t in inspect(conn).get_table_names() if t.startswith("procrastinate_")}


def _model_diff(conn: Connection) -> list[Any]:
    opts = {"compare_type": True, "include_name": migrate.include_name}
    context = MigrationContext.configure(conn, opts=opts)
    return list(compare_metadata(context, Base.metadata))


async def test_tables_exist_after_upgrade(empty_database_url: str) -> None:
    await migrate.upgrade_async(empty_database_url)

    tables = await _inspect(empty_database_url, _table_names)
    assert tables == MODEL_TABLES | {"alembic_version"}
    assert await migrate.current_async(empty_database_url) == migrate.head()


async def test_upgrade_then_downgrade_to_base(empty_database_url: str) -> None:
    await migrate.upgrade_async(empty_database_url)
    # The job queue's tables come with the schema on PostgreSQL (migration 0007), not SQLite.
    queue_tables = await _inspect(empty_database_url, _queue_tables)
    postgres = empty_database_url.startswith("postgresql")
    assert {"procrastinate_jobs", "procrastinate_workers"} <= queue_tables if postgres else True
    assert queue_tables == set() if not postgres else True
    await migrate.downgrade_async(empty_database_url, "base")

    assert await _inspect(empty_database_url, _table_names) <= {"alembic_version"}
    assert await _inspect(empty_database_url, _queue_tables) == set()
    assert await migrate.current_async(empty_database_url) is None
    # And back up again: a downgrade must leave nothing behind that blocks the next upgrade.
    await migrate.upgrade_async(empty_database_url)
    assert await _inspect(empty_database_url, _table_names) == MODEL_TABLES | {"alembic_version"}


async def test_models_and_migrations_agree(empty_database_url: str) -> None:
    """Autogenerate against the migrated database finds nothing to do."""
    await migrate.upgrade_async(empty_database_url)

    assert await _inspect(empty_database_url, _model_diff) == []


async def test_every_revision_steps_down_and_up(empty_database_url: str) -> None:
    """Each revision's downgrade undoes its upgrade, one step at a time (catches a later
    revision whose downgrade is missing or wrong, not only the initial one)."""
    script = ScriptDirectory.from_config(migrate.alembic_config(empty_database_url))
    revisions = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        await migrate.upgrade_async(empty_database_url, revision)
        await migrate.downgrade_async(empty_database_url, "-1")
        await migrate.upgrade_async(empty_database_url, revision)
    assert await migrate.current_async(empty_database_url) == revisions[-1]


async def test_upgrade_twice_is_a_no_op(empty_database_url: str) -> None:
    await migrate.upgrade_async(empty_database_url)
    await migrate.upgrade_async(empty_database_url)
    assert await migrate.current_async(empty_database_url) == migrate.head()


async def test_a_failed_upgrade_leaves_nothing_behind(empty_database_url: str) -> None:
    """The upgrade is one transaction on both backends (SQLite included): a table that is in
    the way makes it fail part-way, and the tables it had already created are rolled back."""

    def create_blocking_table(conn: Connection) -> None:
        conn.exec_driver_sql("CREATE TABLE events (id INTEGER PRIMARY KEY)")
        conn.commit()

    await _inspect(empty_database_url, create_blocking_table)
    with pytest.raises(Exception, match="events"):
        await migrate.upgrade_async(empty_database_url)

    assert await _inspect(empty_database_url, _table_names) == {"events"}
    assert await migrate.current_async(empty_database_url) is None


async def test_concurrent_upgrades_all_succeed(empty_database_url: str) -> None:
    """Several processes (and threads of one process) upgrading at once must not trip over each
    other's CREATE TABLEs: the database serializes processes, a lock serializes threads."""
    script = f"from peerpear import migrate; migrate.upgrade({empty_database_url!r})"
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(2)
    ]
    threads = [migrate.upgrade_async(empty_database_url) for _ in range(2)]
    await asyncio.gather(*threads)
    for process in processes:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0, stderr.decode()
    assert await migrate.current_async(empty_database_url) == migrate.head()
    assert await _inspect(empty_database_url, _model_diff) == []


def test_one_head_and_date_prefixed_files() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, "migration history has diverged; merge the heads"
    versions = migrate.migrations_dir() / "versions"
    for path in versions.glob("*.py"):
        assert re.fullmatch(r"\d{8}_\w+\.py", path.name), path.name


async def test_sync_helpers_refuse_a_running_loop(tmp_path: Path) -> None:
    """env.py runs its own event loop; async callers must go through the *_async helpers."""
    with pytest.raises(RuntimeError, match="upgrade_async"):
        migrate.upgrade(sqlite_url(tmp_path))


def test_migrations_dir_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(migrate.MIGRATIONS_DIR_ENV, str(tmp_path))
    with pytest.raises(RuntimeError, match=migrate.MIGRATIONS_DIR_ENV):
        migrate.migrations_dir()
    project_migrations = Path(__file__).resolve().parents[1] / "migrations"
    monkeypatch.setenv(migrate.MIGRATIONS_DIR_ENV, str(project_migrations))
    assert migrate.migrations_dir() == project_migrations
