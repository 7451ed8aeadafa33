"""Issue 10's "done when", with each provider's real SDK pointed at the loopback fake:
summaries appear after submits, a suggestion comes back as valid settings, an ``llm`` run
repairs a proposal that drops and duplicates people into a valid pairing; then a provider that
fails every call leaves every feature on its offline fallback, with the failures listed for the
admins. No request the fake receives carries a participant's name or email.

(Offline, that text answers meaning the same thing match: tests/engine/test_semantic.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from peerpear.main import create_app
from tests.conftest import make_settings
from tests.llm.conftest import PROVIDERS, fast_retries
from tests.llm.fake_servers import FakeLLMServer, Recorded, Step, answer, status
from tests.pairing.helpers import jobs_done
from tests.registrations.helpers import Program, make_program

SUMMARY = "Enjoys trail running and a cup of tea."


@pytest.fixture(params=PROVIDERS)
async def live(
    request: pytest.FixtureRequest, database_url: str, db_engine: AsyncEngine, fake: FakeLLMServer
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(make_settings(database_url, **fake.settings(request.param)))
    async with app.router.lifespan_context(app):
        fast_retries(app.state.llm)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield app, client


def _asks_for(recorded: Recorded, *fields: str) -> bool:
    """Whether the request's output schema has these properties (the use it comes from)."""
    return all(f'"{name}": {{' in recorded.raw for name in fields)


def working_model() -> Any:
    """Answers each use as a model would; the proposal (in the call's ids, p1 to p8) leaves out
    p7 and p8, names p4 twice, and invents a person."""

    def respond(recorded: Recorded) -> Step:
        if _asks_for(recorded, "summary"):
            return answer({"summary": SUMMARY})
        if _asks_for(recorded, "rationale"):
            return answer({"mode": "groups", "group_size": 4, "rationale": "Fours."})
        if _asks_for(recorded, "groups"):
            first, second = ["p1", "p2", "p3", "p4"], ["p4", "p5", "p6", "p42"]
            return answer({"groups": [{"members": first}, {"members": second}]})
        return answer({"items": []})  # explanations: none rephrased

    return respond


async def _submit_all(client: httpx.AsyncClient, program: Program) -> None:
    for n, student in enumerate(program.students):
        url = program.url + "/registration"
        assert (await client.post(url, json={}, headers=student.headers)).status_code == 201
        answers = {"answers": program.complete_answers(n)}
        resp = await client.put(url + "/answers", json=answers, headers=student.headers)
        assert resp.status_code == 200, resp.text


async def _summaries(client: httpx.AsyncClient, program: Program) -> list[tuple[str, str]]:
    resp = await client.get(program.url + "/registrations", headers=program.club.owner_headers)
    assert resp.status_code == 200, resp.text
    return [(r["summary_status"], r["summary"]) for r in resp.json()["items"]]


async def _run(
    client: httpx.AsyncClient, app: FastAPI, program: Program, body: dict[str, Any]
) -> Any:
    owner = program.club.owner_headers
    started = await client.post(program.url + "/pairing-runs", json=body, headers=owner)
    assert started.status_code == 202, started.text
    await jobs_done(app)
    return (await client.get(started.headers["Location"], headers=owner)).json()


async def _close(client: httpx.AsyncClient, program: Program) -> None:
    resp = await client.post(program.url + "/close", headers=program.club.owner_headers)
    assert resp.status_code == 200, resp.text


def _no_private_data(fake: FakeLLMServer, program: Program) -> None:
    sent = "\n".join(r.raw for r in fake.requests)
    for student in program.students:
        for private in (student.user.email, student.user.first_name, student.user.last_name):
            assert private not in sent


async def test_with_a_working_provider_every_use_works(
    live: tuple[FastAPI, httpx.AsyncClient], fake: FakeLLMServer, session: AsyncSession
) -> None:
    app, client = live
    program = await make_program(session, students=8)
    ids = [str(student.user.id) for student in program.students]
    fake.responder = working_model()
    owner = program.club.owner_headers

    await _submit_all(client, program)
    await jobs_done(app)
    assert await _summaries(client, program) == [("ready", SUMMARY)] * 8

    resp = await client.post(
        program.url + "/pairing-settings/suggest", json={"wish": "fours"}, headers=owner
    )
    assert resp.status_code == 200, resp.text
    params = resp.json()["parameters"]
    assert params["mode"] == "groups" and params["group_size"] == 4

    await _close(client, program)
    run = await _run(client, app, program, {**params, "strategy": "llm"})
    assert run["status"] == "succeeded", run["error"]
    placed = sorted(str(m["user_id"]) for g in run["groups"] for m in g["members"])
    assert placed == sorted(ids) and [len(g["members"]) for g in run["groups"]] == [4, 4]
    assert run["validation"]["ok"] is True
    repair = run["repair"]
    assert repair["unknown_ids"] == ["?p42"]
    assert len(repair["duplicates"]) == 1 and len(repair["missing_placed"]) == 2
    assert set(repair["duplicates"] + repair["missing_placed"]) <= set(ids)
    _no_private_data(fake, program)


async def test_a_provider_that_fails_every_call_leaves_the_offline_fallbacks(
    live: tuple[FastAPI, httpx.AsyncClient], fake: FakeLLMServer, session: AsyncSession
) -> None:
    app, client = live
    fake.responder = lambda recorded: status(500)
    program = await make_program(session, students=4)
    owner = program.club.owner_headers

    await _submit_all(client, program)  # every submit answers 200 (above)
    await jobs_done(app)
    summaries = await _summaries(client, program)
    assert [state for state, _ in summaries] == ["failed"] * 4
    assert all(text and text.startswith("Tea or coffee") for _, text in summaries), summaries

    resp = await client.post(
        program.url + "/pairing-settings/suggest", json={"wish": "fours"}, headers=owner
    )
    assert resp.status_code == 503 and resp.json()["error"]["code"] == "llm_failed"

    await _close(client, program)
    run = await _run(client, app, program, {})  # the optimizer, with text embedded locally
    assert run["status"] == "succeeded", run["error"]
    embedder = run["text_embedder"]
    assert embedder.startswith("local (") and "the provider failed" in embedder
    llm_run = await _run(client, app, program, {"strategy": "llm"})
    assert llm_run["status"] == "failed" and "language model" in llm_run["error"]

    adopted = await client.put(program.url + "/pairing", json={"run_id": run["id"]}, headers=owner)
    assert adopted.status_code == 200, adopted.text
    assert (await client.post(program.url + "/publish", headers=owner)).status_code == 200
    await jobs_done(app)
    student = program.students[0]
    mine = await client.get(program.url + "/my-group", headers=student.headers)
    assert mine.status_code == 200 and mine.json()["explanation"]  # the engine's own

    calls = await client.get(program.url + "/llm-calls?outcome=failed", headers=owner)
    assert calls.status_code == 200, calls.text
    purposes = {c["purpose"] for c in calls.json()["items"]}
    assert purposes == {"summary", "suggest", "embedding", "pairing_proposal", "explanation"}
    assert all(c["reason"] for c in calls.json()["items"])
    _no_private_data(fake, program)
