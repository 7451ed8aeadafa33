"""Strategy llm through the API: the model (ScriptedLLM) proposes the groups in the run's job,
the engine repairs the proposal and reports what it repaired; compare shows it beside the
optimizer; no model -> 409 up front; a failed call fails the run with the reason; the model
never sees a name or an email; the run keeps its claim while the call is awaited."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.engine import parse_problem
from peerpear.engine.validator import validate
from peerpear.llm.base import LLMCallFailed, LLMUnavailable, Output
from peerpear.llm.proposal import PURPOSE
from peerpear.models import Answer, PairingRun, PairRule, PairRuleKind
from peerpear.pairing.parameters import RunParameters
from peerpear.pairing.snapshot import load_snapshot
from peerpear.pairing.text_embeddings import local_label
from tests.llm_double import ScriptedLLM, install_llm
from tests.pairing.helpers import complete_program, jobs_done
from tests.registrations.helpers import Program

API = "/api/v1"
GROUPS = {"strategy": "llm", "mode": "groups", "min_size": 2, "max_size": 4, "use_profile": False}


def ids_of(data: dict[str, Any]) -> list[str]:
    return [p["id"] for p in data["participants"]]


async def start(client: httpx.AsyncClient, program: Program, body: dict[str, Any]) -> int:
    started = await client.post(
        program.url + "/pairing-runs", json=body, headers=program.club.owner_headers
    )
    assert started.status_code == 202, started.text
    run_id: int = started.json()["id"]
    return run_id


async def read(client: httpx.AsyncClient, program: Program, run_id: int) -> dict[str, Any]:
    resp = await client.get(f"{API}/pairing-runs/{run_id}", headers=program.club.owner_headers)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def never_pair(session: AsyncSession, program: Program, a: int, b: int) -> None:
    session.add(
        PairRule(
            event_id=program.event.id,
            kind=PairRuleKind.NEVER_PAIR,
            user_a_id=min(a, b),
            user_b_id=max(a, b),
        )
    )
    await session.commit()


async def test_a_flawed_proposal_is_repaired_and_each_problem_counted(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 10)
    users = [s.user.id for s in program.students]
    await never_pair(session, program, users[3], users[4])

    def respond(purpose: str, instructions: str, data: Any) -> dict[str, Any]:
        p = ids_of(data)
        return {
            "groups": [
                {"members": [p[0], p[1], p[2], p[7], p[5]], "reason": "all like tea"},  # 5 > 4
                {"members": [p[3], p[4]]},  # a never-pair
                {"members": [p[6], "999999", p[9], p[6]]},  # an unknown id, a duplicate
            ]  # p[8] is left out
        }

    llm = ScriptedLLM(respond)
    install_llm(app, llm)
    run_id = await start(client, program, GROUPS)
    await jobs_done(app)
    body = await read(client, program, run_id)
    assert body["status"] == "succeeded", body["error"]
    assert body["strategy"] == "llm" and body["metrics"]["solver"] == "llm+repair"
    p = [str(u) for u in users]
    repair = body["repair"]
    assert repair["proposed_groups"] == 3
    assert repair["unknown_ids"] == ["?999999"]  # marked: it can never name a participant
    assert repair["duplicates"] == [p[6]]
    assert repair["missing_placed"] == [p[8]]
    assert repair["size_fixes"] == ["group 1 had 5 people; the rules ask for 2..4"]
    assert repair["role_fixes"] == []
    assert repair["rule_fixes"] == [f"never-pair {p[3]} and {p[4]} were together in group 2"]
    assert repair["exact_fallback"] is False
    # One of group 1 leaves (too large) and the later-named of the never-pair leaves group 2.
    moved = repair["moved"]
    assert p[4] in moved and p[3] not in moved
    assert len([m for m in moved if m in [*p[:3], p[5], p[7]]]) >= 1
    assert repair["kept_share"] == pytest.approx((9 - len(moved)) / 10)
    # The groups keep every rule, by the engine's own validator on the run's snapshot.
    groups = [[str(m["user_id"]) for m in g["members"]] for g in body["groups"]]
    snapshot = await load_snapshot(session, program.event, RunParameters.model_validate(GROUPS))
    assert validate(parse_problem(snapshot.problem), groups).ok
    assert body["validation"] == {"ok": True, "violations": []}
    assert sorted(p for g in groups for p in g) == sorted(p)
    assert body["groups"][0]["reason"] == "all like tea"
    [call] = llm.calls
    assert call.purpose == PURPOSE and call.event_id == program.event.id


async def test_a_perfect_proposal_is_kept_as_proposed(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 8)
    proposed: list[list[str]] = []

    def respond(purpose: str, instructions: str, data: Any) -> dict[str, Any]:
        p = ids_of(data)
        proposed.extend([[p[0], p[5]], [p[1], p[2]], [p[3], p[7]], [p[4], p[6]]])
        return {"groups": [{"members": g, "reason": "x"} for g in proposed]}

    install_llm(app, ScriptedLLM(respond))
    run_id = await start(client, program, {"strategy": "llm", "mode": "pairs"})
    await jobs_done(app)
    body = await read(client, program, run_id)
    assert body["status"] == "succeeded", body["error"]
    repair = body["repair"]
    counted = ("unknown_ids", "duplicates", "missing_placed", "size_fixes", "role_fixes")
    assert all(repair[key] == [] for key in (*counted, "rule_fixes", "moved"))
    assert repair["kept_share"] == 1.0
    groups = [[str(m["user_id"]) for m in g["members"]] for g in body["groups"]]
    real = {f"p{n}": str(s.user.id) for n, s in enumerate(program.students, start=1)}
    assert sorted(map(sorted, groups)) == sorted(sorted(real[a] for a in g) for g in proposed)
    assert body["text_embedder"] == local_label()  # no embedding model configured


async def test_compare_shows_the_optimizer_beside_the_llm(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 6)

    def respond(purpose: str, instructions: str, data: Any) -> dict[str, Any]:
        p = ids_of(data)
        return {"groups": [{"members": [p[0], p[1], p[2]]}, {"members": [p[3], p[4]]}]}

    install_llm(app, ScriptedLLM(respond))
    optimizer = await start(client, program, {"mode": "pairs"})
    llm = await start(client, program, {"strategy": "llm", "mode": "pairs"})
    await jobs_done(app)
    compared = await client.get(
        program.url + "/pairing-runs/compare",
        params={"ids": f"{optimizer},{llm}"},
        headers=program.club.owner_headers,
    )
    assert compared.status_code == 200, compared.text
    first, second = compared.json()["runs"]
    assert (first["strategy"], second["strategy"]) == ("optimizer", "llm")
    assert first["repair"] is None and first["metrics"]["solver"] != "llm+repair"
    assert second["status"] == "succeeded" and second["metrics"]["mean_satisfaction"] >= 0
    # a trio where pairs are asked, one group too few (sizes), and someone left out
    assert second["repair"]["size_fixes"] == 2 and second["repair"]["missing_placed"] == 1
    assert second["repair"]["unknown_ids"] == 0 and 0 < second["repair"]["kept_share"] < 1
    [shared] = compared.json()["shared_pairs"]
    assert shared["pairs_a"] == shared["pairs_b"] == 3


async def test_without_a_model_the_start_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 4)  # the app's client is the offline one
    refused = await client.post(
        program.url + "/pairing-runs",
        json={"strategy": "llm"},
        headers=program.club.owner_headers,
    )
    assert refused.status_code == 409
    assert "no language model is configured" in refused.json()["error"]["message"]
    runs = await client.get(program.url + "/pairing-runs", headers=program.club.owner_headers)
    assert runs.json()["items"] == []  # nothing half-made


async def test_above_the_cap_the_start_is_refused(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, monkeypatch: Any
) -> None:
    monkeypatch.setattr("peerpear.pairing.runs.MAX_PARTICIPANTS", 3)
    install_llm(app, ScriptedLLM(lambda *_: {"groups": []}))
    program = await complete_program(session, 4)
    refused = await client.post(
        program.url + "/pairing-runs",
        json={"strategy": "llm"},
        headers=program.club.owner_headers,
    )
    assert refused.status_code == 409
    assert "at most 3 people" in refused.json()["error"]["message"]


async def test_a_failed_call_fails_the_run_with_its_reason(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 4)

    def respond(purpose: str, instructions: str, data: Any) -> dict[str, Any]:
        raise LLMCallFailed("the provider answered 503 four times")

    install_llm(app, ScriptedLLM(respond))
    run_id = await start(client, program, {"strategy": "llm"})
    await jobs_done(app)
    body = await read(client, program, run_id)
    assert body["status"] == "failed"
    assert body["error"] == (
        "The language model gave no usable proposal: the provider answered 503 four times."
    )


async def test_the_model_sees_no_names_or_emails(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 6)
    users = [s.user for s in program.students]
    await never_pair(session, program, users[0].id, users[1].id)

    def respond(purpose: str, instructions: str, data: Any) -> dict[str, Any]:
        p = ids_of(data)
        return {"groups": [{"members": p[i : i + 2]} for i in range(0, 6, 2)]}

    llm = ScriptedLLM(respond)
    install_llm(app, llm)
    await start(client, program, {"strategy": "llm"})  # with profiles (the default)
    await jobs_done(app)
    [call] = llm.calls
    sent = json.dumps(call.data) + call.instructions
    for user in users:
        for private in (user.first_name, user.last_name, user.email):
            assert private and private not in sent
    # what it does see: ids made for the call (never the user ids), the questions' text, the
    # rules by those ids
    assert ids_of(call.data) == [f"p{n}" for n in range(1, len(users) + 1)]
    assert not {str(u.id) for u in users} & set(ids_of(call.data))
    assert call.data["participants"][0]["answers"]["About you"] == "I run trails"
    assert [sorted(rule) for rule in call.data["rules"]["never_pair"]] == [["p1", "p2"]]


async def test_names_and_emails_written_in_answers_are_scrubbed(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 4)
    users = [s.user for s in program.students]
    friend = users[0]
    wrote = f"Pair me with {friend.first_name} {friend.last_name} ({friend.email}) or a@b.org"
    await session.execute(
        update(Answer)
        .where(Answer.question_id == program.text.id)
        .values(value=wrote)
        .execution_options(synchronize_session=False)
    )
    await session.commit()

    def respond(purpose: str, instructions: str, data: Any) -> dict[str, Any]:
        p = ids_of(data)
        return {"groups": [{"members": p[:2]}, {"members": p[2:]}]}

    llm = ScriptedLLM(respond)
    install_llm(app, llm)
    await start(client, program, {"strategy": "llm"})
    await jobs_done(app)
    [call] = llm.calls
    sent = json.dumps(call.data)
    for private in (friend.first_name, friend.last_name, friend.email, "a@b.org"):
        assert private not in sent
    answer = call.data["participants"][1]["answers"]["About you"]
    assert answer == "Pair me with [name] [name] ([email]) or [email]"


async def test_a_model_gone_by_the_time_the_run_starts_fails_it_plainly(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 4)

    def respond(purpose: str, instructions: str, data: Any) -> dict[str, Any]:
        raise LLMUnavailable("offline")

    install_llm(app, ScriptedLLM(respond))
    run_id = await start(client, program, {"strategy": "llm"})
    await jobs_done(app)
    body = await read(client, program, run_id)
    assert body["status"] == "failed"
    assert body["error"] == "The model could not propose groups: no language model is configured."


class SlowLLM(ScriptedLLM):
    """Answers only once ``release`` is set; remembers whether its call was cancelled."""

    def __init__(self) -> None:
        super().__init__(lambda *_: {"groups": []})
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.cancelled = False

    async def structured(
        self,
        purpose: str,
        instructions: str,
        data: Any,
        output: type[Output],
        *,
        event_id: int | None = None,
    ) -> Output:
        self.started.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return await super().structured(purpose, instructions, data, output, event_id=event_id)


async def test_the_run_keeps_its_claim_and_hears_a_cancel_while_the_model_thinks(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    program = await complete_program(session, 4)
    llm = SlowLLM()
    install_llm(app, llm)
    run_id = await start(client, program, {"strategy": "llm"})
    await asyncio.wait_for(llm.started.wait(), 30)
    first = await session.get_one(PairingRun, run_id, populate_existing=True)
    beat = first.heartbeat_at
    await asyncio.sleep(2.5)
    again = await session.get_one(PairingRun, run_id, populate_existing=True)
    assert again.status.value == "running" and again.heartbeat_at and beat
    assert again.heartbeat_at > beat  # heartbeats go on while the call is awaited
    cancel = await client.post(
        f"{API}/pairing-runs/{run_id}/cancel", headers=program.club.owner_headers
    )
    assert cancel.status_code == 200
    await asyncio.wait_for(jobs_done(app), 30)
    assert (await read(client, program, run_id))["status"] == "cancelled"
    assert llm.cancelled
