"""Test databases: a SQLite file always, and a fresh PostgreSQL database when
PEERPEAR_TEST_DATABASE_URL names a server. Each is created once per test session, migrated with
the real migrations, and dropped at the end."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

PG_ENV = "PEERPEAR_TEST_DATABASE_URL"


def pg_server_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@asynccontextmanager
async def temporary_pg_database(server_url: str) -> AsyncIterator[str]:
    """Create a uniquely named database on the server, yield its URL, drop it afterwards."""
    base = make_url(server_url)
    name = f"peerpear_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(
        base.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=None
    )
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'peerpear-test.db'}"
