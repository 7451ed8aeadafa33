"""The lifecycle table: every action from every status, allowed or refused with 409 and a
reason, the timestamps it stamps, its guards (deadline, pairing, published pairing) and its
audit entry."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import utcnow
from peerpear.events.lifecycle import ACTIONS, TRANSITIONS
from peerpear.models import AuditLogEntry, Event, EventStatus, Pairing
from tests.events.helpers import make_club
from tests.factories import create_event

S = EventStatus
# The expected table, written out independently of lifecycle.TRANSITIONS.
EXPECTED: dict[str, dict[EventStatus, EventStatus]] = {
    "open": {S.DRAFT: S.OPEN},
    "close": {S.OPEN: S.CLOSED},
    "reopen": {S.CLOSED: S.OPEN},
    "publish": {S.CLOSED: S.PUBLISHED},
    "unpublish": {S.PUBLISHED: S.CLOSED},
    "archive": {S.DRAFT: S.ARCHIVED, S.CLOSED: S.ARCHIVED, S.PUBLISHED: S.ARCHIVED},
}
CASES = [(action, status) for action in EXPECTED for status in EventStatus]


def test_the_table_is_the_expected_one() -> None:
    assert set(ACTIONS) == set(EXPECTED)
    for action, moves in EXPECTED.items():
        assert TRANSITIONS[action].sources == set(moves)
        assert {TRANSITIONS[action].target} == set(moves.values())


@pytest.mark.parametrize(("action", "status"), CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
async def test_every_action_from_every_status(
    client: httpx.AsyncClient, session: AsyncSession, action: str, status: EventStatus
) -> None:
    club = await make_club(session)
    event = await create_event(session, club.org, status=status)
    # Publishing needs a pairing; give every event one so only the status decides here.
    session.add(Pairing(event_id=event.id))
    await session.commit()
    resp = await client.post(f"/api/v1/events/{event.id}/{action}", headers=club.owner_headers)
    await session.refresh(event)
    target = EXPECTED[action].get(status)
    if target is None:
        assert resp.status_code == 409, resp.text
        error = resp.json()["error"]
        assert error["code"] == "invalid_state"
        assert f"it is {status.value}" in error["message"]
        assert error["details"]["status"] == status.value
        assert event.status is status  # unchanged
        return
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == target.value
    assert event.status is target
    entry = await session.scalar(
        select(AuditLogEntry).where(
            AuditLogEntry.event_id == event.id, AuditLogEntry.action == f"event.{action}"
        )
    )
    assert entry is not None and entry.actor_id == club.owner.id
    assert entry.details == {"from": status.value, "to": target.value}


async def test_stamps(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await make_club(session)
    event = await create_event(session, club.org)
    url = f"/api/v1/events/{event.id}"
    opened = (await client.post(url + "/open", headers=club.owner_headers)).json()
    assert opened["opened_at"] is not None and opened["closed_at"] is None
    closed = (await client.post(url + "/close", headers=club.owner_headers)).json()
    assert closed["closed_at"] is not None
    reopened = (await client.post(url + "/reopen", headers=club.owner_headers)).json()
    assert reopened["closed_at"] is None and reopened["opened_at"] >= opened["opened_at"]
    await client.post(url + "/close", headers=club.owner_headers)
    session.add(Pairing(event_id=event.id))
    await session.commit()
    published = (await client.post(url + "/publish", headers=club.owner_headers)).json()
    assert published["published_at"] is not None
    pairing = await session.scalar(select(Pairing).where(Pairing.event_id == event.id))
    assert pairing is not None and pairing.published_at is not None
    unpublished = (await client.post(url + "/unpublish", headers=club.owner_headers)).json()
    assert unpublished["status"] == "closed" and unpublished["published_at"] is None
    await session.refresh(pairing)
    assert pairing.published_at is None


async def test_publish_refused_without_a_pairing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await make_club(session)
    event = await create_event(session, club.org, status=S.CLOSED)
    resp = await client.post(f"/api/v1/events/{event.id}/publish", headers=club.owner_headers)
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "invalid_state"
    assert "no pairing" in resp.json()["error"]["message"]


@pytest.mark.parametrize("action", ["open", "reopen"])
async def test_open_and_reopen_need_a_future_deadline(
    client: httpx.AsyncClient, session: AsyncSession, action: str
) -> None:
    club = await make_club(session)
    status = S.DRAFT if action == "open" else S.CLOSED
    past = utcnow() - timedelta(minutes=1)
    event = await create_event(session, club.org, status=status, registration_deadline=past)
    resp = await client.post(f"/api/v1/events/{event.id}/{action}", headers=club.owner_headers)
    assert resp.status_code == 409
    assert "deadline has passed" in resp.json()["error"]["message"]
    # With a future deadline it is allowed.
    event.registration_deadline = utcnow() + timedelta(days=1)
    await session.commit()
    resp = await client.post(f"/api/v1/events/{event.id}/{action}", headers=club.owner_headers)
    assert resp.status_code == 200, resp.text


async def test_reopen_refused_while_a_pairing_is_published(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await make_club(session)
    event = await create_event(session, club.org, status=S.CLOSED)
    session.add(Pairing(event_id=event.id, published_at=utcnow()))
    await session.commit()
    resp = await client.post(f"/api/v1/events/{event.id}/reopen", headers=club.owner_headers)
    assert resp.status_code == 409
    assert "published" in resp.json()["error"]["message"]


async def test_no_endpoint_writes_the_status(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await make_club(session)
    event = await create_event(session, club.org)
    resp = await client.patch(
        f"/api/v1/events/{event.id}", json={"status": "open"}, headers=club.owner_headers
    )
    assert resp.status_code == 422
    await session.refresh(event)
    assert event.status is S.DRAFT
    assert (await session.get(Event, event.id)) is not None
