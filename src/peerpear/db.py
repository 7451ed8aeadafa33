"""Database engine, sessions and the declarative base shared by every model."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, PrimaryKeyConstraint, UniqueConstraint, event
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


# PostgreSQL's SQLSTATE for unique_violation, and SQLite's extended result codes for a UNIQUE
# (or PRIMARY KEY) constraint failing.
PG_UNIQUE_VIOLATION = "23505"
SQLITE_CONSTRAINT_UNIQUE = 2067
SQLITE_CONSTRAINT_PRIMARYKEY = 1555


def is_unique_violation(exc: IntegrityError, *constraints: str) -> bool:
    """Whether ``exc`` is a violation of one of the named unique constraints (or unique indexes).

    Names are those of the naming convention above, e.g. ``"uq_users_email"``. PostgreSQL says
    which constraint failed: SQLSTATE 23505 and asyncpg's ``constraint_name`` (the driver error
    SQLAlchemy's adapter wraps). SQLite names no constraint, only the failing columns ("UNIQUE
    constraint failed: users.email", or "index 'name'" for an index on expressions), so the name
    is looked up in the models' metadata and the columns must match exactly, under SQLite's
    UNIQUE or PRIMARY KEY result code. A name the models do not define is a programming error.
    """
    targets = {name: _unique_columns(name) for name in constraints}
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:  # PostgreSQL
        driver_error = orig.__cause__ if orig is not None else None
        return sqlstate == PG_UNIQUE_VIOLATION and (
            getattr(driver_error, "constraint_name", None) in targets
        )
    if isinstance(orig, sqlite3.IntegrityError):
        if orig.sqlite_errorcode not in (SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY):
            return False
        failed = str(orig).removeprefix("UNIQUE constraint failed: ")
        return any(failed in (f"index '{name}'", columns) for name, columns in targets.items())
    return False


def _unique_columns(name: str) -> str:
    """SQLite's spelling of the columns of the unique constraint or index ``name``."""
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            if constraint.name == name and isinstance(
                constraint, UniqueConstraint | PrimaryKeyConstraint
            ):
                return ", ".join(f"{table.name}.{column.name}" for column in constraint.columns)
        for index in table.indexes:
            if index.name == name and index.unique:
                return ", ".join(f"{table.name}.{column.name}" for column in index.columns)
    raise ValueError(f"no unique constraint or index named {name!r} in the models")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
