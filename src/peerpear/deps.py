"""Request-scoped dependencies and route parameters shared by every feature: settings, the
database session, database-id path parameters and pagination."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import instance_state
from starlette.types import Scope

from peerpear.config import Settings
from peerpear.jobs.base import JobQueue
from peerpear.llm.base import LLMClient
from peerpear.raw_reads import RawReader
from peerpear.schemas_common import MAX_DB_ID, Pagination


async def get_app_settings(request: Request) -> Settings:
    # async: FastAPI would run a plain ``def`` dependency in a worker thread.
    settings: Settings = request.app.state.settings
    return settings


# Safe methods (RFC 9110) do not change anything, so they get a read session: no transaction,
# hence no BEGIN/COMMIT round trips on every GET. A route that must write on one of them (a
# GET callback dictated by a protocol) says so with @writes_on_safe_method.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITES_ATTRIBUTE = "_peerpear_writes_on_safe_method"

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def writes_on_safe_method(endpoint: Endpoint) -> Endpoint:
    """Give this GET route the one transaction per request that writing routes have."""
    setattr(endpoint, _WRITES_ATTRIBUTE, True)
    return endpoint


def _reads_only(request: Request) -> bool:
    if request.method not in SAFE_METHODS:
        return False
    endpoint = getattr(request.scope.get("route"), "endpoint", None)
    return not getattr(endpoint, _WRITES_ATTRIBUTE, False)


# Where a request keeps its session, and the objects loaded outside it that it must adopt.
_SESSION_KEY = "peerpear.session"
_ADOPT_KEY = "peerpear.adopt"

Instance = TypeVar("Instance")


def _adopt(session: AsyncSession, instance: Instance) -> Instance:
    key = instance_state(instance).key
    existing = session.identity_map.get(key) if key is not None else None
    if existing is not None:
        adopted: Instance = existing
        return adopted
    session.add(instance)
    return instance


def attach_to_request(request: Request, instance: Instance) -> Instance:
    """Make a detached, fully loaded ORM object (the signed-in user, which is looked up without
    a session) part of the request's session, now or as soon as the request opens one, so that
    a route can change it and flush. Returns the instance the session holds."""
    scope = request.scope
    session: AsyncSession | None = scope.get(_SESSION_KEY)
    if session is not None:
        return _adopt(session, instance)
    scope.setdefault(_ADOPT_KEY, []).append(instance)
    return instance


def _open_for(scope: Scope, session: AsyncSession) -> None:
    scope[_SESSION_KEY] = session
    for instance in scope.pop(_ADOPT_KEY, ()):
        _adopt(session, instance)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent (scope="function");
    a read session, with no transaction at all, for requests with a safe method."""
    state = request.app.state
    scope = request.scope
    if _reads_only(request):
        async with state.read_sessionmaker() as session:
            _open_for(scope, session)
            yield session
        return
    async with state.sessionmaker() as session:
        _open_for(scope, session)
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    """The app's sessionmaker, for the rare work that must commit on its own whatever becomes of
    the request's transaction (a sign-in attempt is counted even when the sign-in then fails).
    A service that takes it says so and opens its own short transaction."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return sessions


async def get_jobs(request: Request) -> JobQueue:
    """The app's job queue (peerpear.jobs): where background work is handed over."""
    jobs: JobQueue = request.app.state.jobs
    return jobs


async def get_llm(request: Request) -> LLMClient:
    """The process's LLM client, built at start-up (main.py)."""
    llm: LLMClient = request.app.state.llm
    return llm


async def get_raw_reader(request: Request) -> RawReader:
    """The app's reader for prebuilt statements on the driver (hot read routes only)."""
    reader: RawReader = request.app.state.raw_reader
    return reader


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
RawReaderDep = Annotated[RawReader, Depends(get_raw_reader)]
SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]
JobsDep = Annotated[JobQueue, Depends(get_jobs)]


def id_path(description: str) -> Any:
    """A path parameter holding a database id: 1 .. 2**31-1, else 422 (an id outside the
    database's integer range can match no row; PostgreSQL would fail on it).

    Use as ``Annotated[int, id_path("The thing's id.")]``.
    """
    return Path(ge=1, le=MAX_DB_ID, description=description)


async def pagination(
    limit: Annotated[int, Query(ge=1, le=200, description="Page size (max 200).")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_DB_ID, description="Rows to skip.")] = 0,
) -> Pagination:
    return Pagination(limit=limit, offset=offset)


# The route parameter of every list (``page: PageDep``), handed to peerpear.pagination.paginate.
PageDep = Annotated[Pagination, Depends(pagination)]
