"""Database engine, sessions and the declarative base shared by every model."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from peerpear.config import Settings

# One naming convention so Alembic names every constraint the same way on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps on both backends.

    SQLite drops the offset, so values are stored in UTC and handed back as aware UTC datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not accepted; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def create_engine(settings: Settings, url: str | None = None) -> AsyncEngine:
    url = url or settings.database_url
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url,
            echo=settings.database_echo,
            connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
        )
        event.listen(
            engine.sync_engine, "connect", _sqlite_pragmas(settings.sqlite_busy_timeout_ms)
        )
    else:
        engine = create_async_engine(
            url,
            echo=settings.database_echo,
            pool_pre_ping=True,
            # Fail fast when the server is gone so /ready answers promptly.
            connect_args={"timeout": 5},
        )
    return engine


def upsert_insert(db: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` into ``table`` (a model or a Table) in the dialect of ``db``'s database, so it
    offers ``on_conflict_do_update`` / ``on_conflict_do_nothing`` on SQLite and PostgreSQL alike.

    An upsert is one atomic statement: concurrent first writes cannot both insert. ``set_`` does
    not run Python-side ``onupdate`` defaults; pass ``updated_at`` yourself.
    """
    name = db.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for the {name} dialect")


def is_unique_violation(exc: IntegrityError, table: str, *columns: str) -> bool:
    """Whether ``exc`` is the single-column unique constraint of ``table`` on one of ``columns``
    (named ``uq_<table>_<column>`` by the naming convention), on PostgreSQL or SQLite."""
    text = str(exc.orig)
    for column in columns:
        if f'"uq_{table}_{column}"' in text:  # PostgreSQL names the constraint
            return True
        # SQLite lists the columns: "UNIQUE constraint failed: organizations.name"
        if re.search(rf"UNIQUE constraint failed: {re.escape(f'{table}.{column}')}$", text):
            return True
    return False


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
