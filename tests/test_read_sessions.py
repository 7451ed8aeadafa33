"""Reads run without a transaction, writes in one; the session lookup is fresh every request.

GET, HEAD and OPTIONS requests get a read session (no BEGIN/COMMIT, writes refused); every other
method keeps one transaction per request, committed before the response. Nothing about a
sign-in session is cached: revoking or expiring it takes effect on the very next request.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.auth.sessions import hash_token
from peerpear.db import utcnow
from peerpear.deps import SessionDep, writes_on_safe_method
from peerpear.models import AuthSession, Organization, User
from tests.factories import auth_headers, create_user

ME = "/api/v1/me"


class Statements:
    """What the app sends to the database: statements (through the engine, and those the raw
    reader sends on the driver itself, peerpear.raw_reads) and commits."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self.commits = 0


@pytest.fixture
def statements(app: FastAPI) -> Iterator[Statements]:
    seen = Statements()
    engine = app.state.engine.sync_engine

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.sql.append(statement)

    def on_commit(_conn: Any) -> None:
        seen.commits += 1

    def on_raw(statement: str) -> None:
        seen.sql.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    app.state.raw_reader.listeners.append(on_raw)
    yield seen
    app.state.raw_reader.listeners.remove(on_raw)
    event.remove(engine, "before_cursor_execute", on_execute)
    event.remove(engine, "commit", on_commit)


async def test_an_authenticated_read_is_one_statement_and_no_commit(
    client: httpx.AsyncClient, session: AsyncSession, statements: Statements
) -> None:
    headers = await auth_headers(session, await create_user(session))
    assert (await client.get(ME, headers=headers)).status_code == 200
    assert len(statements.sql) == 1 and statements.commits == 0
    assert "auth_sessions" in statements.sql[0] and "revoked_at" in statements.sql[0]

    patched = await client.patch(ME, json={"first_name": "Changed"}, headers=headers)
    assert patched.status_code == 200, patched.text
    assert statements.commits == 1  # a write keeps its one transaction per request
    assert (await client.get(ME, headers=headers)).json()["first_name"] == "Changed"


async def test_a_write_from_a_read_request_is_refused_and_not_stored(
    app: FastAPI, session: AsyncSession
) -> None:
    @app.get("/test-writes-on-get")
    async def writes(db: SessionDep) -> dict[str, str]:
        db.add(Organization(name="Sneaky", slug="sneaky"))
        await db.flush()
        return {"status": "written"}

    @app.get("/test-updates-on-get")
    async def updates(db: SessionDep) -> dict[str, str]:
        await db.execute(update(User).values(first_name="Sneaky"))
        return {"status": "written"}

    @app.get("/test-marked-write")
    @writes_on_safe_method
    async def marked(db: SessionDep) -> dict[str, str]:
        db.add(Organization(name="Allowed", slug="allowed"))
        return {"status": "written"}

    user = await create_user(session, first_name="Plain")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/test-writes-on-get")).status_code == 500
        assert (await client.get("/test-updates-on-get")).status_code == 500
        assert (await client.get("/test-marked-write")).status_code == 200
    names = set(await session.scalars(select(Organization.name)))
    assert names == {"Allowed"}
    await session.refresh(user)
    assert user.first_name == "Plain"


async def _revoke_elsewhere(session: AsyncSession, headers: dict[str, str], **values: Any) -> None:
    """Change the session row from another connection, as another server process would."""
    token = headers["Authorization"].removeprefix("Bearer ")
    await session.execute(
        update(AuthSession).where(AuthSession.token_hash == hash_token(token)).values(**values)
    )
    await session.commit()


@pytest.mark.parametrize(
    "ending",
    [
        {"revoked_at": "now"},
        {"expires_at": "past"},
    ],
)
async def test_an_ended_session_fails_on_the_very_next_request(
    client: httpx.AsyncClient, session: AsyncSession, ending: dict[str, str]
) -> None:
    headers = await auth_headers(session, await create_user(session))
    for _ in range(3):  # warm: the pool and every cache the lookup could use
        assert (await client.get(ME, headers=headers)).status_code == 200
    moment = utcnow() if "now" in ending.values() else utcnow() - timedelta(seconds=1)
    await _revoke_elsewhere(session, headers, **{key: moment for key in ending})
    refused = await client.get(ME, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"


async def test_logout_ends_the_session_for_the_next_request(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await auth_headers(session, await create_user(session))
    assert (await client.get(ME, headers=headers)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await client.get(ME, headers=headers)).status_code == 401


async def test_a_deactivated_user_is_refused_on_the_next_request(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await create_user(session)
    headers = await auth_headers(session, user)
    assert (await client.get(ME, headers=headers)).status_code == 200
    await session.execute(update(User).where(User.id == user.id).values(is_active=False))
    await session.commit()
    assert (await client.get(ME, headers=headers)).status_code == 401
    active_sessions = await session.scalar(select(func.count()).select_from(AuthSession))
    assert active_sessions == 1  # refused by the lookup itself, not by deleting anything


async def test_reading_an_event_is_two_statements_and_no_commit(
    client: httpx.AsyncClient, session: AsyncSession, statements: Statements
) -> None:
    """The session lookup, then the event with the caller's role (events/fast_read.py)."""
    from peerpear.models import EventStatus
    from tests.events.helpers import make_club
    from tests.factories import create_event

    club = await make_club(session)
    event_ = await create_event(session, club.org, status=EventStatus.OPEN)
    resp = await client.get(f"/api/v1/events/{event_.id}", headers=club.member_headers)
    assert resp.status_code == 200 and resp.json()["id"] == event_.id
    assert len(statements.sql) == 2 and statements.commits == 0
    assert "events" in statements.sql[1] and "memberships" in statements.sql[1]
    # Members-only: an outsider gets 404 from the same statement.
    hidden = await client.get(f"/api/v1/events/{event_.id}", headers=club.outsider_headers)
    assert hidden.status_code == 404
