"""The rules a suggestion may propose, as run parameters: "no one isolated" on a choice
option, honoured by a run (even on a question that does not count toward the affinity), and
refused with a 422 when they name no question or option of the event."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tests.pairing.helpers import complete_program, jobs_done


@pytest.mark.parametrize("weight", [1, 0])
async def test_a_run_keeps_no_one_isolated(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, weight: int
) -> None:
    # complete_program's hobbies: Hiking / Gaming, Cooking / Hiking, Cooking, in turn: 4 of
    # the 12 picked Gaming, and with 3 groups of 4 the optimizer alone spreads them out.
    program = await complete_program(session, 12)
    gamers = {s.user.id for n, s in enumerate(program.students) if n % 3 == 1}
    params: dict[str, Any] = {
        "mode": "groups",
        "group_size": 4,
        "no_isolation": [{"question_id": program.multi.id, "option": "Gaming"}],
        "questions": {str(program.multi.id): {"weight": weight, "mode": "different"}},
    }
    owner = program.club.owner_headers

    started = await client.post(program.url + "/pairing-runs", json=params, headers=owner)

    assert started.status_code == 202, started.text
    assert started.json()["parameters"]["no_isolation"] == params["no_isolation"]
    await jobs_done(app)
    run = (await client.get(started.headers["Location"], headers=owner)).json()
    assert run["status"] == "succeeded", run
    per_group = [len({m["user_id"] for m in g["members"]} & gamers) for g in run["groups"]]
    assert sum(per_group) == 4 and 1 not in per_group, per_group


async def test_the_rule_reaches_the_engine(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # Of two people one picked Gaming: nobody can keep them company, so the run fails and
    # says why (the engine's own check of the rule).
    program = await complete_program(session, 2)
    owner = program.club.owner_headers
    rule = {"question_id": program.multi.id, "option": "Gaming"}
    started = await client.post(
        program.url + "/pairing-runs", json={"no_isolation": [rule]}, headers=owner
    )
    assert started.status_code == 202, started.text
    await jobs_done(app)
    run = (await client.get(started.headers["Location"], headers=owner)).json()
    assert run["status"] == "failed"
    assert f"only one participant has q{program.multi.id}:Gaming = yes" in run["error"]


async def test_rules_must_name_a_choice_question_and_option_of_the_event(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 4)
    url = program.url + "/pairing-runs"
    owner = program.club.owner_headers
    cases = [
        ({"question_id": 999999, "option": "Gaming"}, "no such question in this event"),
        ({"question_id": program.text.id, "option": "x"}, "not a choice question"),
        ({"question_id": program.multi.id, "option": "Knitting"}, "not an option"),
    ]
    for rule, message in cases:
        resp = await client.post(url, json={"no_isolation": [rule]}, headers=owner)
        assert resp.status_code == 422, resp.text
        assert message in resp.json()["error"]["message"]
        assert resp.json()["error"]["details"][0]["loc"][:3] == ["body", "no_isolation", 0]
    listed = await client.get(url, headers=owner)
    assert listed.json()["total"] == 0  # nothing was queued
