"""A student's own registration: register (with roles), read, withdraw, concurrency."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import (
    Answer,
    EventStatus,
    EventVisibility,
    PairRule,
    Registration,
    RoleScheme,
)
from tests.registrations.helpers import make_program


async def test_register_read_and_register_again(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session)
    alice = program.students[0]
    created = await client.post(program.url + "/registration", json={}, headers=alice.headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["user_id"] == alice.user.id and body["role"] is None
    assert body["is_complete"] is False
    # The three required questions, in questionnaire order; the optional text is not listed.
    assert body["missing_required"] == [program.single.id, program.multi.id, program.scale.id]
    again = await client.post(program.url + "/registration", json={}, headers=alice.headers)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    read = await client.get(program.url + "/registration", headers=alice.headers)
    assert read.status_code == 200 and read.json()["id"] == body["id"]
    bob = program.students[1]
    assert (await client.get(program.url + "/registration", headers=bob.headers)).status_code == 404


async def test_event_without_required_questions_is_complete_at_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session)
    for question in (program.single, program.multi, program.scale):
        question.required = False
        session.add(question)
    await session.commit()
    resp = await client.post(
        program.url + "/registration", json={}, headers=program.students[0].headers
    )
    assert resp.status_code == 201
    assert resp.json()["is_complete"] is True and resp.json()["missing_required"] == []


@pytest.mark.parametrize(
    ("scheme", "sent", "status", "stored"),
    [
        (RoleScheme.NONE, None, 201, None),
        (RoleScheme.NONE, "big", 422, None),
        (RoleScheme.BIG_LITTLE, None, 201, "either"),
        (RoleScheme.BIG_LITTLE, "little", 201, "little"),
        (RoleScheme.BIG_LITTLE, "mentor", 422, None),
        (RoleScheme.MENTOR, None, 422, None),
        (RoleScheme.MENTOR, "mentee", 201, "mentee"),
        (RoleScheme.MENTOR, "either", 422, None),
    ],
)
async def test_roles_follow_the_event_scheme(
    client: httpx.AsyncClient,
    session: AsyncSession,
    scheme: RoleScheme,
    sent: str | None,
    status: int,
    stored: str | None,
) -> None:
    program = await make_program(session, role_scheme=scheme)
    body = {} if sent is None else {"role": sent}
    resp = await client.post(
        program.url + "/registration", json=body, headers=program.students[0].headers
    )
    assert resp.status_code == status, resp.text
    if status == 201:
        assert resp.json()["role"] == stored
    else:
        assert resp.json()["error"]["details"][0]["loc"] == ["body", "role"]
        assert await session.scalar(select(func.count()).select_from(Registration)) == 0


async def test_registering_again_with_a_role_changes_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session, role_scheme=RoleScheme.BIG_LITTLE)
    headers = program.students[0].headers
    await client.post(program.url + "/registration", json={"role": "big"}, headers=headers)
    changed = await client.post(
        program.url + "/registration", json={"role": "little"}, headers=headers
    )
    assert changed.status_code == 200 and changed.json()["role"] == "little"


@pytest.mark.parametrize(
    "status", [EventStatus.CLOSED, EventStatus.PUBLISHED, EventStatus.ARCHIVED]
)
async def test_registration_needs_an_open_event(
    client: httpx.AsyncClient, session: AsyncSession, status: EventStatus
) -> None:
    program = await make_program(session, status=status)
    resp = await client.post(
        program.url + "/registration", json={}, headers=program.students[0].headers
    )
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "invalid_state"
    assert status.value in resp.json()["error"]["message"]


async def test_members_only_events_are_not_for_outsiders(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session)  # members-only by the factory's default
    outsider = program.club.outsider_headers
    resp = await client.post(program.url + "/registration", json={}, headers=outsider)
    assert resp.status_code == 404
    program.event.visibility = EventVisibility.PUBLIC
    session.add(program.event)
    await session.commit()
    resp = await client.post(program.url + "/registration", json={}, headers=outsider)
    assert resp.status_code == 201


async def test_withdraw_deletes_answers_and_own_avoid_list(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session)
    alice, bob = program.students
    for student in (alice, bob):
        await client.post(program.url + "/registration", json={}, headers=student.headers)
    saved = await client.put(
        program.url + "/registration/answers",
        json={"answers": program.complete_answers()},
        headers=alice.headers,
    )
    assert saved.status_code == 200
    avoided = await client.put(
        program.url + "/registration/avoid",
        json={"emails": [bob.user.email]},
        headers=alice.headers,
    )
    assert avoided.status_code == 200
    gone = await client.delete(program.url + "/registration", headers=alice.headers)
    assert gone.status_code == 204
    assert (
        await client.get(program.url + "/registration", headers=alice.headers)
    ).status_code == 404
    assert await session.scalar(select(func.count()).select_from(Answer)) == 0
    assert await session.scalar(select(func.count()).select_from(PairRule)) == 0
    # Not registered any more: a second withdrawal is a 404, not a silent success.
    again = await client.delete(program.url + "/registration", headers=alice.headers)
    assert again.status_code == 404


async def test_withdraw_needs_an_open_event(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session)
    alice = program.students[0]
    await client.post(program.url + "/registration", json={}, headers=alice.headers)
    program.event.status = EventStatus.CLOSED
    session.add(program.event)
    await session.commit()
    resp = await client.delete(program.url + "/registration", headers=alice.headers)
    assert resp.status_code == 409
    assert await session.scalar(select(func.count()).select_from(Registration)) == 1


async def test_concurrent_registrations_never_duplicate(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await make_program(session)
    headers = program.students[0].headers
    answers = await asyncio.gather(
        *(client.post(program.url + "/registration", json={}, headers=headers) for _ in range(8))
    )
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] * 7 + [201], [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    assert await session.scalar(select(func.count()).select_from(Registration)) == 1
