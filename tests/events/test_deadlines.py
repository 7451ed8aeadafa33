"""An open event past its registration deadline is closed: on every read that returns it, in
lists, by close_expired itself and by the periodic job in the server; audited with no actor."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.db import utcnow
from peerpear.events.deadlines import close_expired
from peerpear.main import create_app
from peerpear.models import AuditLogEntry, Event, EventStatus, EventVisibility
from tests.conftest import make_settings
from tests.events.helpers import make_club
from tests.factories import create_event

PAST = timedelta(minutes=5)


async def _expired(session: AsyncSession, org: Any, **fields: Any) -> Event:
    return await create_event(
        session,
        org,
        status=EventStatus.OPEN,
        registration_deadline=utcnow() - PAST,
        opened_at=utcnow() - timedelta(days=1),
        **fields,
    )


async def _assert_closed_by_system(session: AsyncSession, event: Event) -> None:
    await session.refresh(event)
    assert event.status is EventStatus.CLOSED
    assert event.closed_at == event.registration_deadline
    entries = list(
        await session.scalars(
            select(AuditLogEntry).where(
                AuditLogEntry.event_id == event.id, AuditLogEntry.action == "event.close"
            )
        )
    )
    assert len(entries) == 1, "closed (and audited) exactly once"
    assert entries[0].actor_id is None
    assert entries[0].details["reason"] == "registration_deadline"


@pytest.mark.parametrize("path", ["", "/questions", "/audit"])
async def test_reading_an_event_closes_it(
    client: httpx.AsyncClient, session: AsyncSession, path: str
) -> None:
    club = await make_club(session)
    event = await _expired(session, club.org)
    resp = await client.get(f"/api/v1/events/{event.id}{path}", headers=club.owner_headers)
    assert resp.status_code == 200, resp.text
    if path == "":
        assert resp.json()["status"] == "closed"
    await _assert_closed_by_system(session, event)
    # A second read changes nothing more.
    await client.get(f"/api/v1/events/{event.id}", headers=club.owner_headers)
    await _assert_closed_by_system(session, event)


async def test_listing_closes_expired_events(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await make_club(session)
    event = await _expired(session, club.org)
    still_open = await create_event(
        session, club.org, status=EventStatus.OPEN, registration_deadline=utcnow() + PAST
    )
    url = f"/api/v1/organizations/{club.org.id}/events"
    open_ids = [
        e["id"]
        for e in (
            await client.get(url, params={"status": "open"}, headers=club.owner_headers)
        ).json()["items"]
    ]
    assert open_ids == [still_open.id]
    closed = (await client.get(url, params={"status": "closed"}, headers=club.owner_headers)).json()
    assert [e["id"] for e in closed["items"]] == [event.id]
    await _assert_closed_by_system(session, event)


async def test_students_list_never_shows_expired_events(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await make_club(session)
    expired_public = await _expired(session, club.org, visibility=EventVisibility.PUBLIC)
    resp = await client.get("/api/v1/events", headers=club.member_headers)
    assert resp.status_code == 200
    assert expired_public.id not in [e["id"] for e in resp.json()["items"]]
    await _assert_closed_by_system(session, expired_public)


async def test_a_write_on_an_expired_event_sees_it_closed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await make_club(session)
    event = await _expired(session, club.org)
    resp = await client.post(f"/api/v1/events/{event.id}/close", headers=club.owner_headers)
    assert resp.status_code == 409
    assert "it is closed" in resp.json()["error"]["message"]
    await _assert_closed_by_system(session, event)


async def test_close_expired_closes_only_what_is_due(
    session_maker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    club = await make_club(session)
    due = await _expired(session, club.org)
    later = await create_event(
        session, club.org, status=EventStatus.OPEN, registration_deadline=utcnow() + PAST
    )
    no_deadline = await create_event(session, club.org, status=EventStatus.OPEN)
    draft_past = await create_event(session, club.org, registration_deadline=utcnow() - PAST)
    async with session_maker.begin() as db:
        assert await close_expired(db, utcnow()) == [due.id]
    async with session_maker.begin() as db:
        assert await close_expired(db, utcnow()) == []  # already closed: nothing twice
    await _assert_closed_by_system(session, due)
    for event in (later, no_deadline, draft_past):
        await session.refresh(event)
    assert later.status is EventStatus.OPEN and no_deadline.status is EventStatus.OPEN
    assert draft_past.status is EventStatus.DRAFT
    # With a later "now" the event with a future deadline is due too.
    async with session_maker.begin() as db:
        assert await close_expired(db, utcnow() + 2 * PAST) == [later.id]


async def test_the_periodic_job_closes_expired_events(
    database_url: str, session: AsyncSession
) -> None:
    club = await make_club(session)
    event = await _expired(session, club.org)
    app: FastAPI = create_app(make_settings(database_url, deadline_check_seconds=0.05))
    async with app.router.lifespan_context(app):
        for _ in range(100):
            await asyncio.sleep(0.05)
            await session.refresh(event)
            if event.status is EventStatus.CLOSED:
                break
    await _assert_closed_by_system(session, event)


async def test_the_periodic_job_stops_with_the_app(database_url: str) -> None:
    app: FastAPI = create_app(make_settings(database_url, deadline_check_seconds=0.05))
    async with app.router.lifespan_context(app):
        running = [t for t in asyncio.all_tasks() if "events.close_expired" in t.get_name()]
        assert len(running) == 1
    assert running[0].done()


async def test_the_periodic_job_can_be_turned_off(database_url: str) -> None:
    app: FastAPI = create_app(make_settings(database_url, deadline_check_seconds=0))
    async with app.router.lifespan_context(app):
        assert not [t for t in asyncio.all_tasks() if "events.close_expired" in t.get_name()]
