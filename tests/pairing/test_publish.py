"""What stands in the way of publishing a pairing (late registrations, broken rules, private
avoid requests) and the publish / unpublish round trip."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import AuditLogEntry, PairingGroupMember, PairRule, PairRuleKind
from tests.pairing.helpers import (
    Paired,
    add_late_student,
    adopt,
    edit,
    make_paired,
    members,
    succeeded_run,
)


async def _publish(client: httpx.AsyncClient, paired: Paired) -> httpx.Response:
    return await client.post(f"{paired.program.url}/publish", headers=paired.headers)


def _refusal(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 409, resp.text
    error: dict[str, Any] = resp.json()["error"]
    assert error["code"] == "invalid_state"
    return error


async def test_a_late_registration_holds_publishing_until_placed_or_excluded(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 6)
    pairing = await adopt(client, paired, await succeeded_run(session, paired.event))
    late = await add_late_student(session, paired)
    [student] = paired.program.students[-1:]

    current = (await client.get(paired.url, headers=paired.headers)).json()
    assert [p["registration_id"] for p in current["not_placed"]] == [late.id]
    assert current["not_placed"][0]["email"] == student.user.email
    assert not current["validation"]["ok"]
    [reason] = current["validation"]["violations"]
    assert reason == (
        f"1 registered person is neither placed in a group nor excluded: {student.user.full_name}"
    )
    error = _refusal(await _publish(client, paired))
    assert error["details"]["reasons"] == [reason] and reason in error["message"]

    # Excluded: publishing no longer waits for them.
    await edit(client, paired, 1, "exclude", registration_id=late.id)
    published = await _publish(client, paired)
    assert published.status_code == 200, published.text
    assert (await client.post(f"{paired.program.url}/unpublish", headers=paired.headers)).json()[
        "status"
    ] == "closed"

    # Included again, then placed in a pair (a trio: 7 people make pairs and one trio).
    await edit(client, paired, 2, "include", registration_id=late.id)
    _refusal(await _publish(client, paired))
    moved = await edit(
        client, paired, 3, "move", registration_id=late.id, group_id=pairing["groups"][0]["id"]
    )
    assert moved.json()["validation"] == {"ok": True, "violations": []}
    assert (await _publish(client, paired)).status_code == 200


async def test_an_incomplete_registration_does_not_hold_publishing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 4)
    await adopt(client, paired, await succeeded_run(session, paired.event))
    late = await add_late_student(session, paired)
    late.is_complete = False
    await session.commit()
    current = (await client.get(paired.url, headers=paired.headers)).json()
    assert current["not_placed"] == []
    assert [p["registration_id"] for p in current["incomplete"]] == [late.id]
    assert current["validation"]["ok"]
    assert (await _publish(client, paired)).status_code == 200


async def test_a_broken_never_pair_rule_holds_publishing_with_the_reason(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 6)
    pairing = await adopt(client, paired, await succeeded_run(session, paired.event))
    first, second = pairing["groups"][1]["members"]
    # The admins add a never-pair rule after the run, about two people it paired.
    rules = await client.put(
        f"{paired.program.url}/pair-rules",
        json={"never_pair": [[first["user_id"], second["user_id"]]]},
        headers=paired.headers,
    )
    assert rules.status_code == 200, rules.text

    current = (await client.get(paired.url, headers=paired.headers)).json()
    names = sorted(f"{p['first_name']} {p['last_name']}" for p in (first, second))
    assert current["validation"]["violations"] == [
        f"never-pair {names[0]} and {names[1]} share group 1"
    ]
    error = _refusal(await _publish(client, paired))
    assert error["details"]["reasons"] == current["validation"]["violations"]
    assert "never-pair" in error["message"]

    # Swapping one of them with someone of another pair mends it.
    other = pairing["groups"][0]["members"][0]["registration_id"]
    mended = await edit(
        client, paired, 1, "swap", registration_a=first["registration_id"], registration_b=other
    )
    assert mended.json()["validation"]["ok"]
    assert (await _publish(client, paired)).status_code == 200


async def test_a_private_avoid_request_is_reported_without_saying_who_asked(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 6)
    pairing = await adopt(client, paired, await succeeded_run(session, paired.event))
    asker, avoided = pairing["groups"][2]["members"]
    session.add(
        PairRule(
            event_id=paired.event.id,
            kind=PairRuleKind.AVOID,
            user_a_id=asker["user_id"],
            user_b_id=avoided["user_id"],
        )
    )
    await session.commit()

    current = (await client.get(paired.url, headers=paired.headers)).json()
    violations = current["validation"]["violations"]
    assert violations == ["1 private avoid request is not respected in group 2"]
    error = _refusal(await _publish(client, paired))
    assert error["details"]["reasons"] == violations
    assert error["message"] == f"cannot publish this event: {violations[0]}"
    # (the exact texts above hold no id; no name or email of the two anywhere near them)
    said = " ".join([*violations, error["message"]])
    for person in (asker, avoided):
        for value in (person["first_name"], person["last_name"], person["email"]):
            assert value not in said


async def test_publish_and_unpublish(client: httpx.AsyncClient, session: AsyncSession) -> None:
    paired = await make_paired(session, 4)
    pairing = await adopt(client, paired, await succeeded_run(session, paired.event))
    rid = members(pairing["groups"][0])[0]
    # What students will read is measured again as the pairing is published (weights and
    # profiles may have changed since the last edit): forget the stored measurements first.
    await session.execute(update(PairingGroupMember).values(satisfaction=None, explanation=None))
    await session.commit()

    published = await _publish(client, paired)
    assert published.status_code == 200 and published.json()["status"] == "published"
    current = (await client.get(paired.url, headers=paired.headers)).json()
    assert current["published_at"] is not None and current["version"] == 1
    # A published pairing is frozen: no edit, no adoption.
    frozen = _refusal(await edit(client, paired, 1, "unplace", registration_id=rid))
    assert "unpublish" in frozen["message"]
    run = await succeeded_run(session, paired.event)
    again = await client.put(paired.url, json={"run_id": run.id}, headers=paired.headers)
    assert "unpublish" in _refusal(again)["message"]
    rows = list(
        await session.scalars(select(PairingGroupMember).execution_options(populate_existing=True))
    )
    assert len(rows) == 4 and all(r.explanation and r.satisfaction is not None for r in rows)

    unpublished = await client.post(f"{paired.program.url}/unpublish", headers=paired.headers)
    assert unpublished.status_code == 200 and unpublished.json()["status"] == "closed"
    current = (await client.get(paired.url, headers=paired.headers)).json()
    assert current["published_at"] is None
    assert (await edit(client, paired, 1, "unplace", registration_id=rid)).status_code == 200
    actions = list(
        await session.scalars(
            select(AuditLogEntry.action)
            .where(AuditLogEntry.event_id == paired.event.id)
            .order_by(AuditLogEntry.id)
        )
    )
    assert actions == ["pairing.adopt", "event.publish", "event.unpublish", "pairing.edit"]


async def test_every_reason_is_in_the_details_and_the_first_three_in_the_message(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 6)
    pairing = await adopt(client, paired, await succeeded_run(session, paired.event))
    pairs = [[m["user_id"] for m in g["members"]] for g in pairing["groups"]]
    rules = await client.put(
        f"{paired.program.url}/pair-rules", json={"never_pair": pairs}, headers=paired.headers
    )
    assert rules.status_code == 200, rules.text
    await add_late_student(session, paired)
    error = _refusal(await _publish(client, paired))
    reasons = error["details"]["reasons"]
    assert len(reasons) == 4 and "neither placed" in reasons[3]
    assert error["message"] == (
        f"cannot publish this event: {'; '.join(reasons[:3])} (and 1 more: see details.reasons)"
    )
