"""Adopting a succeeded run as the working pairing, and reading it."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import (
    AuditLogEntry,
    EventStatus,
    PairingGroupMember,
    PairingRun,
    RunStatus,
)
from peerpear.pairing.run_result import read_metrics, read_result
from tests.pairing.helpers import (
    adopt,
    edit,
    make_paired,
    members,
    succeeded_run,
)


async def test_adopting_a_run_copies_its_groups_and_measures_them(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 6)
    resp = await client.get(paired.url, headers=paired.headers)
    assert resp.status_code == 404 and "adopt" in resp.json()["error"]["message"]
    run = await succeeded_run(session, paired.event)

    pairing = await adopt(client, paired, run)

    assert pairing["version"] == 1 and pairing["source_run_id"] == run.id
    assert pairing["published_at"] is None
    assert run.result is not None and run.metrics is not None
    stored = read_result(run.result)
    expected = [sorted(stored.registrations[pid] for pid in g.members) for g in stored.groups]
    assert [sorted(members(g)) for g in pairing["groups"]] == expected
    assert [g["position"] for g in pairing["groups"]] == [0, 1, 2]
    assert pairing["not_placed"] == pairing["incomplete"] == pairing["excluded"] == []
    assert pairing["validation"] == {"ok": True, "violations": []}
    # Measured as the run measured itself: the same satisfactions and metrics.
    run_metrics = read_metrics(run.metrics)
    assert pairing["metrics"]["mean_satisfaction"] == pytest.approx(run_metrics.mean_satisfaction)
    assert pairing["metrics"]["min_satisfaction"] == pytest.approx(run_metrics.min_satisfaction)
    assert pairing["metrics"]["upper_bound"] == pytest.approx(run_metrics.upper_bound)
    by_registration = {stored.registrations[pid]: p for pid, p in stored.participants.items()}
    for group in pairing["groups"]:
        assert group["score"] == pytest.approx(
            sum(m["satisfaction"] for m in group["members"]) / len(group["members"])
        )
        for member in group["members"]:
            ran = by_registration[member["registration_id"]]
            assert member["satisfaction"] == pytest.approx(ran.satisfaction)
            mate = next(m for m in group["members"] if m is not member)
            # Explanations name group mates by name, not by user id.
            assert mate["first_name"] in member["explanation"]
            assert member["email"].endswith("@example.edu") and member["role"] is None

    # The measurements are kept on the rows, and GET answers the same pairing.
    rows = list(await session.scalars(select(PairingGroupMember)))
    assert len(rows) == 6 and all(r.satisfaction is not None and r.explanation for r in rows)
    again = await client.get(paired.url, headers=paired.headers)
    assert again.status_code == 200 and again.json() == pairing
    entry = await session.scalar(
        select(AuditLogEntry).where(AuditLogEntry.action == "pairing.adopt")
    )
    assert entry is not None and entry.actor_id == paired.program.club.owner.id
    assert entry.details["run_id"] == run.id and entry.details["placed"] == 6


async def test_adopting_again_replaces_the_pairing_without_who_withdrew(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 6)
    first = await succeeded_run(session, paired.event)
    pairing = await adopt(client, paired, first)
    locked = await edit(client, paired, 1, "lock", group_id=pairing["groups"][0]["id"])
    assert locked.status_code == 200
    second = await succeeded_run(session, paired.event)
    # Someone withdrew after the second run (the event was reopened meanwhile).
    gone = next(iter(paired.registrations.values()))
    await session.delete(gone)
    await session.commit()

    replaced = await adopt(client, paired, second)

    assert replaced["version"] == 3 and replaced["source_run_id"] == second.id
    placed = [rid for g in replaced["groups"] for rid in members(g)]
    assert sorted(placed) == sorted(r.id for r in paired.registrations.values() if r is not gone)
    assert not any(g["locked"] for g in replaced["groups"])
    # Five people in the run's pairs: one is now alone, which the validation reports.
    assert not replaced["validation"]["ok"]
    assert any("has 1 member" in v for v in replaced["validation"]["violations"])
    entry = await session.scalar(
        select(AuditLogEntry)
        .where(AuditLogEntry.action == "pairing.adopt")
        .order_by(AuditLogEntry.id.desc())
    )
    assert entry is not None and entry.details["dropped"] == 1


async def test_exclusions_outlive_a_new_adoption_for_those_the_run_left_out(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 6)
    run = await succeeded_run(session, paired.event)
    pairing = await adopt(client, paired, run)
    out = pairing["groups"][0]["members"][0]["registration_id"]
    excluded = await edit(client, paired, 1, "exclude", registration_id=out)
    assert [p["registration_id"] for p in excluded.json()["excluded"]] == [out]
    # The same run places them again: no longer excluded.
    again = await adopt(client, paired, run)
    assert again["excluded"] == [] and any(out in members(g) for g in again["groups"])


@pytest.mark.parametrize(
    ("status", "fragment"),
    [(EventStatus.OPEN, "close registration first"), (EventStatus.PUBLISHED, "unpublish")],
)
async def test_adopting_needs_a_closed_event(
    client: httpx.AsyncClient, session: AsyncSession, status: EventStatus, fragment: str
) -> None:
    paired = await make_paired(session, 4)
    run = await succeeded_run(session, paired.event)
    paired.event.status = status
    await session.commit()
    resp = await client.put(paired.url, json={"run_id": run.id}, headers=paired.headers)
    assert resp.status_code == 409, resp.text
    assert fragment in resp.json()["error"]["message"]


async def test_only_a_succeeded_run_of_this_event_is_adopted(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 4)
    other = await make_paired(session, 4)
    foreign = await succeeded_run(session, other.event)
    failed = PairingRun(event_id=paired.event.id, status=RunStatus.FAILED, error="no solution")
    session.add(failed)
    await session.commit()
    for run_id in (foreign.id, 999_999):
        resp = await client.put(paired.url, json={"run_id": run_id}, headers=paired.headers)
        assert resp.status_code == 422, resp.text
        assert "not a pairing run of this event" in resp.json()["error"]["message"]
    resp = await client.put(paired.url, json={"run_id": failed.id}, headers=paired.headers)
    assert resp.status_code == 409
    assert "has not succeeded (it is failed)" in resp.json()["error"]["message"]
    assert (await client.get(paired.url, headers=paired.headers)).status_code == 404
