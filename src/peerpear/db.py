"""Database engine, sessions and the declarative base shared by every model."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, PrimaryKeyConstraint, UniqueConstraint, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, ORMExecuteState, Session, mapped_column
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


# Fail fast when the server is gone so /ready (and any request) answers promptly.
PG_CONNECT_TIMEOUT_SECONDS = 5

# A pooled PostgreSQL connection idle longer than this is pinged before use (see below).
IDLE_PING_SECONDS = 30.0


def _check_liveness_on_checkout(engine: AsyncEngine, idle_ping_seconds: float) -> None:
    """Hand out only live connections without a round trip per checkout.

    ``pool_pre_ping`` costs three round trips (BEGIN, ping, ROLLBACK) on every checkout, more
    than the request's own query. Instead: a connection whose socket the server has closed (a
    restart, an outage) is noticed locally by asyncpg at no cost, and only one that sat idle
    for a while (when a silently dropped network could have killed it) is pinged. Either way
    ``DisconnectionError`` makes the pool discard it and hand out a fresh one.
    """
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkout")
    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        driver = record.driver_connection
        if driver is not None and driver.is_closed():
            raise DisconnectionError("connection closed by the server")
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since > idle_ping_seconds:
            try:
                dialect.do_ping(dbapi_connection)
            except Exception as exc:
                raise DisconnectionError("idle connection failed its ping") from exc

    @event.listens_for(engine.sync_engine, "checkin")
    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()


def _pool_options(settings: Settings) -> dict[str, Any]:
    # A fixed set of connections, kept open: SQLAlchemy's default overflow (5 kept + 10 opened
    # on demand and closed again on return) makes a busy server open and close a connection per
    # request once more than 5 are in flight, which costs far more than the request itself.
    # Requests beyond the pool wait for a connection instead.
    return {
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_max_overflow,
        "pool_timeout": settings.database_pool_timeout_seconds,
    }


def create_engine(settings: Settings, url: str | None = None) -> AsyncEngine:
    url = url or settings.database_url
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url,
            echo=settings.database_echo,
            connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
            **_pool_options(settings),
        )
        event.listen(
            engine.sync_engine, "connect", _sqlite_pragmas(settings.sqlite_busy_timeout_ms)
        )
    else:
        engine = create_async_engine(
            url,
            echo=settings.database_echo,
            connect_args={"timeout": PG_CONNECT_TIMEOUT_SECONDS},
            **_pool_options(settings),
        )
        _check_liveness_on_checkout(engine, IDLE_PING_SECONDS)
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


class ReadOnlyViolation(RuntimeError):
    """A request served by a read session tried to write (a programming error)."""


class ReadSession(Session):
    """The session of a request with a safe method (GET, HEAD, OPTIONS): it reads only.

    It runs without a transaction of its own (on PostgreSQL in autocommit, each statement is
    its own snapshot, as it is under the default READ COMMITTED inside a transaction anyway; on
    SQLite a SELECT never opens one), so a read costs no BEGIN/COMMIT round trips. Writing
    through it raises instead of committing half a change outside any transaction.
    """


@event.listens_for(ReadSession, "before_flush")
def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlyViolation(
            "a read-only (GET) request tried to write; mark the route with writes_on_safe_method"
        )


@event.listens_for(ReadSession, "do_orm_execute")
def _refuse_statement(state: ORMExecuteState) -> None:
    if not state.is_select:
        raise ReadOnlyViolation(
            "a read-only (GET) request ran a write statement; mark the route with "
            "writes_on_safe_method"
        )


def create_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for read-only requests: no transaction, writes refused (see ReadSession)."""
    # SQLite opens no transaction for a SELECT, and switching its isolation level would cost a
    # trip to aiosqlite's thread per checkout; PostgreSQL's AUTOCOMMIT is a client-side flag.
    bind = (
        engine
        if engine.dialect.name == "sqlite"
        else engine.execution_options(isolation_level="AUTOCOMMIT")
    )
    return async_sessionmaker(
        bind, expire_on_commit=False, autoflush=False, sync_session_class=ReadSession
    )
