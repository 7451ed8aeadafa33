"""Provider embeddings for a run's text questions: with an embedding model configured, the
run embeds its text answers through the LLM client and the engine groups by those vectors;
a failing provider leaves the run on the local embedder, with a note in its result."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from numpy.typing import NDArray
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.llm.base import LLMCallFailed
from peerpear.models import Answer, Registration
from peerpear.pairing.text_embeddings import local_label
from tests.llm_double import ScriptedLLM, install_llm
from tests.pairing.helpers import jobs_done, make_paired

API = "/api/v1"
# No two answers share a word: TF-IDF sees no likeness at all. The "provider" knows better.
TEXTS = ["hiking", "guitar", "chess", "trail running", "playing in a band", "board games"]
TOPIC = {"hiking": 0, "trail running": 0, "guitar": 1, "playing in a band": 1}
TOPIC |= {"chess": 2, "board games": 2}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"llm_embedding_model": "test-embedding"}


class EmbeddingLLM(ScriptedLLM):
    def __init__(self, fail: str | None = None) -> None:
        super().__init__(lambda *_: {})
        self.fail = fail

    async def embed(
        self, texts: list[str], *, purpose: str = "embedding", event_id: int | None = None
    ) -> NDArray[np.float32]:
        await super().embed(texts, purpose=purpose, event_id=event_id)  # records the call
        if self.fail:
            raise LLMCallFailed(self.fail)
        rows = np.zeros((len(texts), 3), dtype=np.float32)
        rows[np.arange(len(texts)), [TOPIC[t] for t in texts]] = 1.0
        return rows


def text_only(paired: Any) -> dict[str, Any]:
    """Only the text question counts, so the text embedder alone decides the pairs."""
    program = paired.program
    others = (program.single, program.multi, program.scale)
    return {
        "mode": "pairs",
        "use_profile": False,
        "questions": {str(q.id): {"weight": 0} for q in others},
    }


async def run(app: FastAPI, client: httpx.AsyncClient, paired: Any) -> dict[str, Any]:
    url = paired.program.url + "/pairing-runs"
    started = await client.post(url, json=text_only(paired), headers=paired.headers)
    assert started.status_code == 202, started.text
    await jobs_done(app)
    done = await client.get(started.headers["Location"], headers=paired.headers)
    body: dict[str, Any] = done.json()
    assert body["status"] == "succeeded", body["error"]
    return body


def pairs_of(body: dict[str, Any]) -> set[frozenset[str]]:
    return {frozenset(str(m["user_id"]) for m in g["members"]) for g in body["groups"]}


async def test_the_provider_embeds_the_text_and_the_engine_groups_by_it(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 6, texts=TEXTS)
    llm = EmbeddingLLM()
    install_llm(app, llm)
    body = await run(app, client, paired)
    assert body["text_embedder"] == "provider"
    users = [str(s.user.id) for s in paired.program.students]
    by_topic = {0: [], 1: [], 2: []}  # type: dict[int, list[str]]
    for user, text in zip(users, TEXTS, strict=True):
        by_topic[TOPIC[text]].append(user)
    assert pairs_of(body) == {frozenset(members) for members in by_topic.values()}
    [call] = llm.calls
    assert call.purpose == "embedding" and call.event_id == paired.event.id
    assert sorted(call.data) == sorted(TEXTS)  # each distinct answer once


async def test_a_failing_provider_falls_back_to_the_local_embedder(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 6, texts=TEXTS)
    llm = EmbeddingLLM(fail="the provider answered 429 five times")
    install_llm(app, llm)
    body = await run(app, client, paired)
    assert body["text_embedder"] == (
        local_label() + "; the provider failed: the provider answered 429 five times"
    )
    assert body["validation"]["ok"] is True and len(body["groups"]) == 3
    assert [c.purpose for c in llm.calls] == ["embedding"]


async def test_an_offline_provider_uses_the_local_embedder_without_asking(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 6, texts=TEXTS)
    llm = EmbeddingLLM()
    llm.provider = "offline"
    install_llm(app, llm)
    body = await run(app, client, paired)
    assert body["text_embedder"] == local_label() and llm.calls == []


async def test_the_provider_reads_the_texts_without_names_or_emails(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    paired = await make_paired(session, 6, texts=TEXTS)
    writer, friend = (s.user for s in paired.program.students[:2])  # the writer's is "hiking"
    wrote = f"hiking with {friend.first_name} {friend.last_name}, {friend.email}"
    mine = select(Registration.id).where(Registration.user_id == writer.id)
    await session.execute(
        update(Answer)
        .where(Answer.question_id == paired.program.text.id, Answer.registration_id.in_(mine))
        .values(value=wrote)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    TOPIC["hiking with [name] [name], [email]"] = 0
    llm = EmbeddingLLM()
    install_llm(app, llm)
    try:
        body = await run(app, client, paired)
    finally:
        del TOPIC["hiking with [name] [name], [email]"]
    assert body["text_embedder"] == "provider"
    [call] = llm.calls
    assert "hiking with [name] [name], [email]" in call.data
    assert not [t for t in call.data if friend.email in t or friend.last_name in t]
