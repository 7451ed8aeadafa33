"""Prebuilt reads on the database driver itself, for the hottest requests (issue 7, API speed).

Going through SQLAlchemy's engine costs more CPU than the query it runs: an ``AsyncSession`` or
``AsyncConnection`` checks a connection out through a greenlet, wraps it and its result, and on
return resets it (on aiosqlite that is one more trip to the driver's thread). Measured apart on
the benchmark machine, at 32 concurrent lookups of a session: about 260 µs of CPU per lookup
through ``engine.connect()`` on PostgreSQL and 700 µs on SQLite, against 55 µs on an asyncpg
pool and 15 µs on a plain sqlite3 connection.

So the few statements every request runs (the session lookup; the list of the caller's
organizations) are SQLAlchemy Core selects compiled once per dialect (:class:`RawStatement`)
and run by a :class:`RawReader`:

- PostgreSQL: an asyncpg pool of its own (a few connections; asyncpg prepares each statement
  once per connection). Nothing but these selects runs on it, in autocommit, so a connection
  needs no reset query when it goes back (asyncpg's default reset is one round trip).
- SQLite (a file): one plain sqlite3 connection, used synchronously on the event loop. An
  indexed read takes a few microseconds, less than handing it to a thread. It can never wait:
  its busy timeout is 0 and it only reads (``query_only``); under WAL a reader never waits for
  a writer, and if SQLite ever answers "busy" (no WAL, a checkpoint restarting the log) the
  read is retried through the engine, whose connections wait in their own thread.
- Anything else (an in-memory SQLite database): the engine, as for every other statement.

Values are converted exactly as the engine converts them: the statement's own column types
give the bind and result processors. Every read is a fresh statement on the database; nothing
is cached.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import asyncpg
from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from peerpear.config import Settings
from peerpear.db import PG_CONNECT_TIMEOUT_SECONDS
from peerpear.errors import database_overloaded_error, database_unavailable_error

Row = tuple[Any, ...]
StatementListener = Callable[[str], None]

# Connections of the PostgreSQL reader's own pool: its statements take well under a
# millisecond, so a few serve a process's whole load.
PG_READER_CONNECTIONS = 4
# A connection idle this long is closed (a silently dropped network could have killed it),
# like the engine's pre-use ping after IDLE_PING_SECONDS.
PG_READER_IDLE_SECONDS = 30.0


class RawStatement:
    """A Core select compiled for one dialect: its SQL text, parameter order and type
    processing, ready to be sent by the driver itself."""

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        self.statement = statement
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        names = compiled.positiontup or []
        self._names = tuple(names)
        self._binds = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in names
        )
        self._results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        )
        self.keys: tuple[str, ...] = tuple(str(c.key) for c in statement.selected_columns)

    def parameters(self, values: Mapping[str, Any]) -> list[Any]:
        return [
            value if process is None else process(value)
            for process, value in zip(self._binds, (values[n] for n in self._names), strict=True)
        ]

    def row(self, raw: Sequence[Any]) -> Row:
        return tuple(
            value if process is None else process(value)
            for process, value in zip(self._results, raw, strict=True)
        )


class RawReader(Protocol):
    """Runs prebuilt selects; ``listeners`` hear the SQL of every statement it sends outside
    SQLAlchemy (SQLAlchemy's own events report the rest)."""

    listeners: list[StatementListener]

    def prepare(self, statement: Select[Any]) -> RawStatement: ...

    async def start(self) -> None: ...

    async def fetch(self, statement: RawStatement, values: Mapping[str, Any]) -> list[Row]: ...

    async def close(self) -> None: ...


class EngineReader:
    """The reads through the engine: for databases without a driver path of their own, and the
    fallback of the SQLite reader."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.listeners: list[StatementListener] = []
        self._prepared: dict[int, RawStatement] = {}

    def prepare(self, statement: Select[Any]) -> RawStatement:
        """``statement`` compiled for this database, once (pass a statement built at import)."""
        prepared = self._prepared.get(id(statement))
        if prepared is None or prepared.statement is not statement:
            prepared = self._prepared[id(statement)] = RawStatement(statement, self.engine.dialect)
        return prepared

    async def start(self) -> None:
        return None

    async def fetch(self, statement: RawStatement, values: Mapping[str, Any]) -> list[Row]:
        async with self.engine.connect() as conn:
            result = await conn.execute(statement.statement, dict(values))
            return [tuple(row) for row in result]

    async def close(self) -> None:
        return None


class PostgresReader(EngineReader):
    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        super().__init__(engine)
        args, kwargs = engine.dialect.create_connect_args(engine.url)
        # min_size 0: connections open on first use, so the app starts while the database is
        # down (/ready says so), as it does with the engine's pool.
        self._pool = asyncpg.create_pool(
            *args,
            **kwargs,
            timeout=PG_CONNECT_TIMEOUT_SECONDS,
            min_size=0,
            max_size=PG_READER_CONNECTIONS,
            max_inactive_connection_lifetime=PG_READER_IDLE_SECONDS,
            reset=_no_reset,
        )
        self._pool_timeout = settings.database_pool_timeout_seconds
        self._started = False

    async def start(self) -> None:
        await self._pool  # opens no connection (min_size 0)
        self._started = True

    async def fetch(self, statement: RawStatement, values: Mapping[str, Any]) -> list[Row]:
        for listener in self.listeners:
            listener(statement.sql)
        params = statement.parameters(values)
        try:
            # A timeout only matters when the call has to wait for a connection; arming one
            # costs more than the rest of taking a free connection.
            waits = self._pool.get_idle_size() == 0
            timeout = self._pool_timeout if waits else None
            async with self._pool.acquire(timeout=timeout) as conn:
                records = await conn.fetch(statement.sql, *params)
        except TimeoutError as exc:  # no connection within the pool timeout, as the engine's
            raise database_overloaded_error() from exc
        except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError) as exc:
            raise database_unavailable_error() from exc
        return [statement.row(record) for record in records]

    async def close(self) -> None:
        if self._started:
            await self._pool.close()


async def _no_reset(_connection: asyncpg.Connection) -> None:
    """Nothing to reset: the reader's connections only run its selects, in autocommit."""


class SqliteReader(EngineReader):
    def __init__(self, engine: AsyncEngine, path: str) -> None:
        super().__init__(engine)
        self._path = path
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            # mode=rw: never create a missing database file. Autocommit (isolation_level None):
            # each statement is its own read, so no snapshot is held between requests.
            conn = sqlite3.connect(
                f"file:{self._path}?mode=rw",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute("PRAGMA busy_timeout=0")
            conn.execute("PRAGMA query_only=ON")
            self._conn = conn
        return self._conn

    async def fetch(self, statement: RawStatement, values: Mapping[str, Any]) -> list[Row]:
        params = statement.parameters(values)
        try:
            conn = self._connection()
            for listener in self.listeners:
                listener(statement.sql)
            raw = conn.execute(statement.sql, params).fetchall()
        except sqlite3.OperationalError:
            # Busy, or the file cannot be opened: the engine waits (its busy timeout) in its
            # own thread and reports a real failure the way every other statement does.
            return await super().fetch(statement, values)
        return [statement.row(r) for r in raw]

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def create_raw_reader(engine: AsyncEngine, settings: Settings) -> RawReader:
    """The fastest reader the engine's database allows."""
    url = engine.url
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "asyncpg":
        return PostgresReader(engine, settings)
    database = url.database or ""
    if (
        url.get_backend_name() == "sqlite"
        and database not in ("", ":memory:")
        and (not database.startswith("file:"))
    ):
        return SqliteReader(engine, database)
    return EngineReader(engine)
