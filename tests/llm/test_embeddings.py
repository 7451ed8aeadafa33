"""Embeddings through the real SDKs against the loopback fake: one request per batch of new
texts, L2-normalized rows in the caller's order, cached per text."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.llm.base import LLMCallFailed
from tests.llm.conftest import EMBEDDING_MODEL, PROVIDERS, call_records
from tests.llm.fake_servers import FakeLLMServer, embedded_texts, fake_vector, status

pytestmark = pytest.mark.parametrize("provider", PROVIDERS)


def normalized(text: str) -> np.ndarray[Any, Any]:
    vector = np.asarray(fake_vector(text), dtype=np.float32)
    return vector / np.linalg.norm(vector)


async def test_embeddings_are_normalized_and_cached_per_text(
    provider: str,
    make_llm: Any,
    fake: FakeLLMServer,
    session_maker: async_sessionmaker[AsyncSession],
) -> None:
    llm = make_llm(provider)

    rows = await llm.embed(
        ["hiking", "trail running", "hiking"], purpose="embedding", event_id=None
    )

    assert rows.dtype == np.float32 and rows.shape == (3, 8)
    np.testing.assert_allclose(rows[0], normalized("hiking"), rtol=1e-6)
    np.testing.assert_allclose(rows[1], normalized("trail running"), rtol=1e-6)
    np.testing.assert_array_equal(rows[0], rows[2])
    [request] = fake.requests
    assert embedded_texts(request) == ["hiking", "trail running"]  # each text once
    if provider == "gemini":
        assert request.path.endswith(f"/models/{EMBEDDING_MODEL}:batchEmbedContents")
        assert request.body["requests"][0]["model"] == f"models/{EMBEDDING_MODEL}"
    else:
        assert request.path == "/v1/embeddings"
        assert request.body["model"] == EMBEDDING_MODEL
        assert request.body["encoding_format"] == "float"

    # Only the new text is sent; then nothing at all. A blank text gets a zero row, unsent.
    more = await llm.embed(["chess", "hiking"])
    assert embedded_texts(fake.requests[-1]) == ["chess"]
    np.testing.assert_array_equal(more[1], rows[0])
    again = await llm.embed(["chess", " ", "trail running"])
    assert len(fake.requests) == 2
    np.testing.assert_array_equal(again[0], more[0])
    assert not again[1].any()
    np.testing.assert_array_equal(again[2], rows[1])

    records = await call_records(session_maker)
    assert [(r.outcome, r.attempts, r.model) for r in records] == [
        ("ok", 1, EMBEDDING_MODEL),
        ("ok", 1, EMBEDDING_MODEL),
        ("cached", 0, EMBEDDING_MODEL),
    ]


async def test_embedding_failures_are_retried_then_reported(
    provider: str,
    make_llm: Any,
    fake: FakeLLMServer,
    session_maker: async_sessionmaker[AsyncSession],
) -> None:
    llm = make_llm(provider, llm_max_attempts=2)
    fake.script(status(503))
    await llm.embed(["hiking"])
    assert len(fake.requests) == 2  # a 503, then the answer

    fake.default = status(401)
    with pytest.raises(LLMCallFailed, match="refused the API key"):
        await llm.embed(["chess"])
    assert len(fake.requests) == 3
    assert [r.outcome for r in await call_records(session_maker)] == ["ok", "failed"]


async def test_without_an_embedding_model_the_local_embedder_is_used(
    provider: str, make_llm: Any, fake: FakeLLMServer
) -> None:
    llm = make_llm(provider, llm_embedding_model="")

    rows = await llm.embed(["hiking in the hills", "hiking in the mountains"])

    assert rows.shape[0] == 2
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, rtol=1e-5)
    assert fake.requests == []
