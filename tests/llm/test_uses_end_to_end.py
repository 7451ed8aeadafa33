"""The LLM's uses through the real SDKs: an app configured for gemini or openai, pointed at the
loopback fake, suggests run settings inside the request, embeds text answers and runs strategy
``llm`` in its job, and files every call under the event, where an admin reads them.

The uses' own rules (what is checked, what falls back) are tested with a scripted client in
tests/llm_uses and tests/pairing; here the point is that the pieces connect: prompt, SDK, the
provider's protocol, parsing, the cache and the records."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from peerpear.llm.proposal import PURPOSE as PROPOSE
from peerpear.main import create_app
from tests.conftest import make_settings
from tests.llm.conftest import PROVIDERS, fast_retries
from tests.llm.fake_servers import FakeLLMServer, answer
from tests.pairing.helpers import complete_program, jobs_done


@pytest.fixture(params=PROVIDERS)
async def live(
    request: pytest.FixtureRequest, database_url: str, db_engine: AsyncEngine, fake: FakeLLMServer
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = make_settings(database_url, **fake.settings(request.param))
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        fast_retries(app.state.llm)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield app, client


def _prompt_text(recorded: Any) -> str:
    return json.dumps(recorded.body)


async def test_suggest_and_an_llm_run_reach_the_provider_and_are_recorded(
    live: tuple[FastAPI, httpx.AsyncClient], fake: FakeLLMServer, session: AsyncSession
) -> None:
    app, client = live
    program = await complete_program(session, 8)
    owner = program.club.owner_headers
    multi = program.multi.id

    fake.script(
        answer(
            {
                "mode": "groups",
                "group_size": 4,
                "questions": [{"question_id": multi, "weight": 3, "mode": "similar"}],
                "rationale": "Hikers together.",
            }
        )
    )
    resp = await client.post(
        program.url + "/pairing-settings/suggest",
        json={"wish": "keep hikers together, groups of four"},
        headers=owner,
    )
    assert resp.status_code == 200, resp.text
    params = resp.json()["parameters"]
    assert params["group_size"] == 4 and params["questions"] == {
        str(multi): {"weight": 3.0, "mode": "similar"}
    }

    ids = [str(student.user.id) for student in program.students]
    # The default answer: the run's embedding request (the text question, embedded by the
    # provider as configured) must not take a scripted step meant for the proposal.
    aliases = [f"p{n}" for n in range(1, 9)]  # the call's ids for the eight
    fake.default = answer({"groups": [{"members": aliases[:4]}, {"members": aliases[4:]}]})
    started = await client.post(
        program.url + "/pairing-runs", json={**params, "strategy": "llm"}, headers=owner
    )
    assert started.status_code == 202, started.text
    await jobs_done(app)
    run = (await client.get(started.headers["Location"], headers=owner)).json()
    assert run["status"] == "succeeded", run["error"]
    assert sorted(sorted(m["user_id"] for m in g["members"]) for g in run["groups"]) == sorted(
        sorted(int(i) for i in group) for group in (ids[:4], ids[4:])
    )
    assert run["repair"]["moved"] == [] and run["repair"]["kept_share"] == 1.0
    assert run["text_embedder"] == "provider"

    # Three requests reached the provider (suggest, the texts' embeddings, the proposal), none
    # with anyone's name or email in it.
    assert len(fake.requests) == 3
    sent = "\n".join(_prompt_text(r) for r in fake.requests)
    for student in program.students:
        assert student.user.email not in sent and student.user.last_name not in sent

    calls = await client.get(program.url + "/llm-calls", headers=owner)
    assert calls.status_code == 200, calls.text
    body = calls.json()
    purposes = [(c["purpose"], c["outcome"]) for c in body["items"]]
    assert purposes == [(PROPOSE, "ok"), ("embedding", "ok"), ("suggest", "ok")]  # newest first
    assert body["totals"]["calls"] == 3 and body["totals"]["failed"] == 0
