"""Editing the working pairing: every op, the version check, locked groups, what a request may
name, and the metrics of the result."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.errors import Conflict
from peerpear.models import AuditLogEntry, EventStatus, Pairing, PairingGroup
from peerpear.pairing.state import claim
from tests.factories import create_registration
from tests.pairing.helpers import (
    Paired,
    adopt,
    edit,
    group_of,
    make_paired,
    members,
    succeeded_run,
)
from tests.registrations.helpers import make_program


async def _adopted(
    client: httpx.AsyncClient, session: AsyncSession
) -> tuple[Paired, dict[str, Any]]:
    paired = await make_paired(session, 6)
    return paired, await adopt(client, paired, await succeeded_run(session, paired.event))


async def _ok(resp: httpx.Response, version: int) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    assert body["version"] == version
    return body


async def test_every_edit(client: httpx.AsyncClient, session: AsyncSession) -> None:
    paired, pairing = await _adopted(client, session)
    g0, g1, g2 = pairing["groups"]
    a, b = members(g0)
    c, d = members(g1)

    # move: into another group (a trio and a lone member)
    moved = await _ok(
        await edit(client, paired, 1, "move", registration_id=a, group_id=g1["id"]), 2
    )
    assert sorted(members(group_of(moved, a))) == sorted([a, c, d])
    assert members(moved["groups"][0]) == [b]
    # swap: two people of different groups
    swapped = await _ok(
        await edit(client, paired, 2, "swap", registration_a=b, registration_b=c), 3
    )
    assert sorted(members(group_of(swapped, b))) == sorted([a, b, d])
    assert members(group_of(swapped, c)) == [c]
    # move to a new group (group_id null): the new group comes last, the empty one disappears
    alone = await _ok(await edit(client, paired, 3, "move", registration_id=c, group_id=None), 4)
    assert len(alone["groups"]) == 3 and members(alone["groups"][-1]) == [c]
    assert [g["position"] for g in alone["groups"]] == [0, 1, 2]
    # unplace: not placed afterwards
    unplaced = await _ok(await edit(client, paired, 4, "unplace", registration_id=c), 5)
    assert [p["registration_id"] for p in unplaced["not_placed"]] == [c]
    assert len(unplaced["groups"]) == 2
    # exclude / include
    excluded = await _ok(await edit(client, paired, 5, "exclude", registration_id=d), 6)
    assert [p["registration_id"] for p in excluded["excluded"]] == [d]
    assert d not in [rid for g in excluded["groups"] for rid in members(g)]
    included = await _ok(await edit(client, paired, 6, "include", registration_id=d), 7)
    assert included["excluded"] == []
    assert sorted(p["registration_id"] for p in included["not_placed"]) == sorted([c, d])
    # move places someone not placed
    placed = await _ok(
        await edit(client, paired, 7, "move", registration_id=c, group_id=g2["id"]), 8
    )
    assert c in members(group_of(placed, members(g2)[0]))
    # lock / unlock
    locked = await _ok(await edit(client, paired, 8, "lock", group_id=g2["id"]), 9)
    assert group_of(locked, c)["locked"] is True
    unlocked = await _ok(await edit(client, paired, 9, "unlock", group_id=g2["id"]), 10)
    assert group_of(unlocked, c)["locked"] is False

    ops = list(
        await session.scalars(
            select(AuditLogEntry.details)
            .where(AuditLogEntry.action == "pairing.edit")
            .order_by(AuditLogEntry.id)
        )
    )
    assert [e["op"] for e in ops] == [
        "move", "swap", "move", "unplace", "exclude", "include", "move", "lock", "unlock"
    ]  # fmt: skip
    assert ops[0] == {"op": "move", "registration_id": a, "group_id": g1["id"], "version": 2}
    assert ops[1]["registration_ids"] == [b, c]
    # Every answer is measured anew and the rows keep it.
    row = await session.get(PairingGroup, g2["id"])
    assert row is not None
    await session.refresh(row)
    assert row.score == pytest.approx(group_of(unlocked, c)["score"])


async def test_a_stale_version_is_refused_with_the_current_one(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired, pairing = await _adopted(client, session)
    rid = members(pairing["groups"][0])[0]
    await _ok(await edit(client, paired, 1, "unplace", registration_id=rid), 2)
    # A second admin still looking at version 1:
    stale = await edit(client, paired, 1, "exclude", registration_id=rid)
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "conflict" and error["details"]["current_version"] == 2
    later = await edit(client, paired, 7, "exclude", registration_id=rid)
    assert later.status_code == 409 and later.json()["error"]["details"]["current_version"] == 2
    current = (await client.get(paired.url, headers=paired.headers)).json()
    assert current["version"] == 2 and current["excluded"] == []


async def test_two_edits_from_one_version_cannot_both_win(
    client: httpx.AsyncClient,
    session: AsyncSession,
    session_maker: async_sessionmaker[AsyncSession],
) -> None:
    paired, _ = await _adopted(client, session)
    event_id = paired.event.id
    async with session_maker() as first, session_maker() as second:
        await claim(first, event_id, 1)  # holds the row (the write lock, on SQLite) until commit
        racing = asyncio.create_task(claim(second, event_id, 1))
        await asyncio.sleep(0.2)
        assert not racing.done()  # waiting for the first edit's transaction
        await first.commit()
        with pytest.raises(Conflict) as refused:
            await racing
        assert refused.value.details["current_version"] == 2
        await second.rollback()
    pairing = await session.scalar(select(Pairing).where(Pairing.event_id == event_id))
    assert pairing is not None
    await session.refresh(pairing)
    assert pairing.version == 2


async def test_nobody_moves_into_or_out_of_a_locked_group(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired, pairing = await _adopted(client, session)
    g0, g1, _ = pairing["groups"]
    a, _b = members(g0)
    c, _d = members(g1)
    await _ok(await edit(client, paired, 1, "lock", group_id=g0["id"]), 2)
    refused = [
        {"op": "move", "registration_id": a, "group_id": g1["id"]},
        {"op": "move", "registration_id": a},
        {"op": "move", "registration_id": c, "group_id": g0["id"]},
        {"op": "swap", "registration_a": a, "registration_b": c},
        {"op": "swap", "registration_a": c, "registration_b": a},
        {"op": "unplace", "registration_id": a},
        {"op": "exclude", "registration_id": a},
    ]
    for body in refused:
        resp = await client.post(
            paired.url + "/edits", json={"version": 2, **body}, headers=paired.headers
        )
        assert resp.status_code == 409, (body, resp.text)
        assert "is locked; unlock it first" in resp.json()["error"]["message"]
    current = (await client.get(paired.url, headers=paired.headers)).json()
    assert current["version"] == 2
    assert current["groups"] == [{**g0, "locked": True}, *pairing["groups"][1:]]
    # Unlocked, the same move is fine.
    await _ok(await edit(client, paired, 2, "unlock", group_id=g0["id"]), 3)
    await _ok(await edit(client, paired, 3, "move", registration_id=a, group_id=g1["id"]), 4)


async def test_edits_naming_what_the_pairing_does_not_have_are_invalid(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired, pairing = await _adopted(client, session)
    _, other_pairing = await _adopted(client, session)
    theirs = members(other_pairing["groups"][0])[0]
    g0, g1, _ = pairing["groups"]
    a, b = members(g0)
    await _ok(await edit(client, paired, 1, "unplace", registration_id=b), 2)
    invalid = [
        ({"op": "move", "registration_id": theirs, "group_id": g1["id"]}, "registration_id"),
        ({"op": "move", "registration_id": a, "group_id": other_pairing["groups"][0]["id"]},
         "group_id"),
        ({"op": "unplace", "registration_id": b}, "registration_id"),  # not placed
        ({"op": "swap", "registration_a": a, "registration_b": b}, "registration_b"),
        ({"op": "swap", "registration_a": a, "registration_b": a}, "registration_b"),
        ({"op": "lock", "group_id": 999_999}, "group_id"),
        ({"op": "exclude", "registration_id": theirs}, "registration_id"),
    ]  # fmt: skip
    for body, field in invalid:
        resp = await client.post(
            paired.url + "/edits", json={"version": 2, **body}, headers=paired.headers
        )
        assert resp.status_code == 422, (body, resp.text)
        assert resp.json()["error"]["details"][0]["loc"] == ["body", field]
    schema_refused = [
        {"version": 2, "op": "teleport", "registration_id": a},
        {"version": 2, "op": "lock"},
        {"version": 2, "op": "lock", "group_id": g0["id"], "registration_id": a},
        {"op": "lock", "group_id": g0["id"]},
    ]
    for body in schema_refused:
        resp = await client.post(paired.url + "/edits", json=body, headers=paired.headers)
        assert resp.status_code == 422, (body, resp.text)
    current = (await client.get(paired.url, headers=paired.headers)).json()
    assert current["version"] == 2  # nothing refused changed it


async def test_an_edit_that_hurts_the_worst_off_shows_in_the_metrics(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # Two pairs of look-alikes: the run pairs each with their twin (satisfaction 1 each), and
    # the two pairs have nothing in common.
    program = await make_program(session, status=EventStatus.CLOSED, students=4)
    paired = Paired(program)
    alike = [("Tea", ["Hiking"], 1, "trail running"), ("Coffee", ["Gaming"], 5, "jazz piano")]
    for n, student in enumerate(program.students):
        single, multi, scale, text = alike[n // 2]
        answers = {program.single: single, program.multi: multi, program.scale: scale,
                   program.text: text}  # fmt: skip
        paired.registrations[student.user.id] = await create_registration(
            session, program.event, student.user, answers=answers, is_complete=True
        )
    pairing = await adopt(client, paired, await succeeded_run(session, paired.event))
    before = pairing["metrics"]
    assert before["min_satisfaction"] == pytest.approx(1.0)
    g0, g1 = pairing["groups"]

    resp = await edit(
        client, paired, 1, "swap", registration_a=members(g0)[0], registration_b=members(g1)[0]
    )

    after = (await _ok(resp, 2))["metrics"]
    assert after["min_satisfaction"] == pytest.approx(0.0)
    assert after["mean_satisfaction"] < before["mean_satisfaction"]
    assert after["gap"] == pytest.approx(after["upper_bound"] - after["mean_satisfaction"])
    assert resp.json()["validation"]["ok"]  # still two pairs: worse, not wrong
