"""Pairing runs through the API, on the in-process queue: 202 with a Location, the run
succeeds in the background with metrics and groups; failures say why; cancel; compare."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import EventStatus, PairRule, PairRuleKind
from tests.pairing.helpers import complete_program, jobs_done

API = "/api/v1"


async def test_a_run_succeeds_in_the_background(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 12)
    owner = program.club.owner_headers
    started = await client.post(program.url + "/pairing-runs", json={"seed": 3}, headers=owner)
    assert started.status_code == 202, started.text
    run = started.json()
    assert (
        run["status"] == "queued"
        and started.headers["Location"] == f"{API}/pairing-runs/{run['id']}"
    )
    await jobs_done(app)
    done = await client.get(started.headers["Location"], headers=owner)
    body = done.json()
    assert body["status"] == "succeeded", body
    assert body["progress"] == 1.0 and body["attempts"] == 1 and body["error"] is None
    assert body["validation"]["ok"] is True
    assert body["metrics"]["min_satisfaction"] <= body["metrics"]["mean_satisfaction"]
    assert len(body["input_fingerprint"]) == 64 and body["engine_version"]
    members = [m for g in body["groups"] for m in g["members"]]
    assert sorted(m["user_id"] for m in members) == sorted(s.user.id for s in program.students)
    assert {len(g["members"]) for g in body["groups"]} == {2}
    listed = await client.get(program.url + "/pairing-runs", headers=owner)
    assert [r["id"] for r in listed.json()["items"]] == [run["id"]]
    assert listed.json()["items"][0]["groups"] is None  # lists stay light


async def test_an_infeasible_rule_set_fails_with_the_conflict_named(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 6)
    a, b, c = (s.user.id for s in program.students[:3])
    session.add_all(
        PairRule(event_id=program.event.id, kind=PairRuleKind.MUST_PAIR, user_a_id=x, user_b_id=y)
        for x, y in ((min(a, b), max(a, b)), (min(b, c), max(b, c)))
    )
    await session.commit()
    owner = program.club.owner_headers
    started = await client.post(
        program.url + "/pairing-runs",
        json={"mode": "groups", "min_size": 2, "max_size": 2},
        headers=owner,
    )
    await jobs_done(app)
    failed = (await client.get(started.headers["Location"], headers=owner)).json()
    assert failed["status"] == "failed"
    assert failed["error"].startswith("The rules cannot all hold:")
    assert "must-pair" in failed["error"] and "2" in failed["error"]


async def test_runs_need_people_and_the_right_state(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 1)
    owner = program.club.owner_headers
    few = await client.post(program.url + "/pairing-runs", json={}, headers=owner)
    assert few.status_code == 409 and "at least 2" in few.json()["error"]["message"]
    draft = await complete_program(session, 4, status=EventStatus.DRAFT)
    refused = await client.post(
        draft.url + "/pairing-runs", json={}, headers=draft.club.owner_headers
    )
    assert refused.status_code == 409
    unknown = await client.post(
        program.url + "/pairing-runs", json={"questions": {"999999": {"weight": 2}}}, headers=owner
    )
    assert unknown.status_code == 422
    member = await client.post(
        program.url + "/pairing-runs", json={}, headers=program.club.member_headers
    )
    assert member.status_code == 403


async def test_cancel_a_queued_run_and_compare_two(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 10)
    owner = program.club.owner_headers
    url = program.url + "/pairing-runs"
    first = (await client.post(url, json={"seed": 1}, headers=owner)).json()
    weights = {"questions": {str(program.scale.id): {"weight": 5, "mode": "different"}}}
    second = (await client.post(url, json=weights, headers=owner)).json()
    third = (await client.post(url, json={"seed": 7}, headers=owner)).json()
    # Cancelled before the queue reaches it (the queue runs one at a time).
    cancelled = await client.post(f"{API}/pairing-runs/{third['id']}/cancel", headers=owner)
    assert cancelled.status_code == 200
    await jobs_done(app)
    assert (await client.get(f"{API}/pairing-runs/{third['id']}", headers=owner)).json()[
        "status"
    ] == "cancelled"
    again = await client.post(f"{API}/pairing-runs/{third['id']}/cancel", headers=owner)
    assert again.status_code == 409
    compared = await client.get(
        url + "/compare",
        params={"ids": f"{first['id']},{second['id']},{third['id']}"},
        headers=owner,
    )
    assert compared.status_code == 200, compared.text
    body = compared.json()
    assert [r["id"] for r in body["runs"]] == [first["id"], second["id"], third["id"]]
    assert body["runs"][2]["metrics"] is None
    [shared] = body["shared_pairs"]
    assert (shared["run_a"], shared["run_b"]) == (first["id"], second["id"])
    assert shared["pairs_a"] == shared["pairs_b"] == 5
    assert 0 <= shared["shared"] <= 5
    assert body["runs"][0]["input_fingerprint"] != body["runs"][1]["input_fingerprint"]
    other = await complete_program(session, 2)
    foreign = await client.get(
        url + "/compare", params={"ids": f"{first['id']},999999"}, headers=owner
    )
    assert foreign.status_code == 404
    assert other.event.id != program.event.id
