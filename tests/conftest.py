"""Shared fixtures: every database test runs on SQLite and, when PEERPEAR_TEST_DATABASE_URL is
set, on PostgreSQL too. Databases are migrated once per session; rows are wiped after each test."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import peerpear.models  # noqa: F401  (registers every table on Base)
from peerpear import migrate
from peerpear.config import Settings
from peerpear.db import Base, create_engine, create_sessionmaker
from peerpear.main import create_app
from tests.db_backends import pg_server_url, sqlite_url, temporary_pg_database

BACKENDS = ["sqlite", "postgresql"]
# Media files (event images) the apps under test store: never ./media of the repository.
TEST_MEDIA_DIR = Path(tempfile.gettempdir()) / f"peerpear-test-media-{os.getpid()}"
# Mail written by apps under test without SMTP (every sign-up's confirmation link): never
# ./mail-outbox of the repository.
TEST_MAIL_OUTBOX_DIR = Path(tempfile.gettempdir()) / f"peerpear-test-outbox-{os.getpid()}"
# The text vector cache of the runs and commands under test (subprocesses inherit it): never
# the user's own cache folder.
TEST_EMBEDDING_CACHE_DIR = Path(tempfile.gettempdir()) / f"peerpear-test-embeddings-{os.getpid()}"
os.environ["PEERPEAR_EMBEDDING_CACHE_DIR"] = str(TEST_EMBEDDING_CACHE_DIR)


@pytest.fixture(scope="session", autouse=True)
def _remove_test_embedding_cache() -> Iterator[None]:
    yield
    shutil.rmtree(TEST_EMBEDDING_CACHE_DIR, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _remove_test_mail_outbox() -> Iterator[None]:
    yield
    shutil.rmtree(TEST_MAIL_OUTBOX_DIR, ignore_errors=True)


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """The URL of a migrated, empty test database on each backend."""
    if request.param == "sqlite":
        url = sqlite_url(Path(tmp_path_factory.mktemp("sqlite")))
        await migrate.upgrade_async(url)
        yield url
        return
    server = pg_server_url()
    if server is None:
        pytest.skip("PEERPEAR_TEST_DATABASE_URL is not set; PostgreSQL variant not run")
    async with temporary_pg_database(server) as url:
        await migrate.upgrade_async(url)
        yield url


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "secret_key": "test-secret-key-not-for-production",
        "log_level": "WARNING",
        "media_dir": TEST_MEDIA_DIR,
        "mail_outbox_dir": TEST_MAIL_OUTBOX_DIR,
        # Jobs in the app under test, on either database; the procrastinate queue has its
        # own tests, with real worker processes (tests/jobs).
        "jobs_backend": "inprocess",
    }
    values.update(overrides)
    return Settings(**values)


async def _wipe(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        tables = list(reversed(Base.metadata.sorted_tables))
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(delete(table))


@pytest.fixture
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(make_settings(database_url))
    try:
        yield engine
    finally:
        await _wipe(engine)
        await engine.dispose()
        # The rows pointing at stored images are gone; so go the files (ids are reused).
        shutil.rmtree(TEST_MEDIA_DIR, ignore_errors=True)


@pytest.fixture
def session_maker(db_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(db_engine)


@pytest.fixture
async def session(
    session_maker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session for arranging and inspecting data directly; commit what the app must see."""
    async with session_maker() as s:
        yield s


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module (or with indirect parametrization) to change app settings."""
    return {}


@pytest.fixture
async def app(
    database_url: str, db_engine: AsyncEngine, settings_overrides: dict[str, Any]
) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(database_url, **settings_overrides))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c
