"""Fixtures for the provider tests: the loopback fake, and the real client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.llm.client import RobustLLM
from peerpear.llm.factory import create_llm
from peerpear.llm.retries import RetryPolicy
from peerpear.models import LLMCall
from tests.conftest import make_settings
from tests.llm.fake_servers import FakeLLMServer

PROVIDERS = ["gemini", "openai"]
MODEL = "fake-model"  # what FakeLLMServer.settings names
EMBEDDING_MODEL = "fake-embedder"


@pytest.fixture
def fake() -> Iterator[FakeLLMServer]:
    server = FakeLLMServer().start()
    try:
        yield server
    finally:
        server.stop()


def fast_retries(llm: RobustLLM) -> None:
    """Keep the backoff short in tests (waits asked for with Retry-After are still honoured)."""
    llm.retry = RetryPolicy(
        max_attempts=llm.retry.max_attempts,
        initial_wait_s=0.01,
        max_wait_s=0.05,
    )


@pytest.fixture
async def make_llm(
    database_url: str,
    session_maker: async_sessionmaker[AsyncSession],
    fake: FakeLLMServer,
) -> AsyncIterator[Any]:
    """``make_llm(provider, **settings)``: the real client (via ``create_llm``) on the fake."""
    made: list[RobustLLM] = []

    def build(provider: str, **overrides: Any) -> RobustLLM:
        values = fake.settings(provider, **{"llm_timeout_seconds": 5.0, **overrides})
        settings = make_settings(database_url, **values)
        llm = create_llm(settings, session_maker)
        assert isinstance(llm, RobustLLM)
        fast_retries(llm)
        made.append(llm)
        return llm

    yield build
    for llm in made:
        await llm.aclose()


async def call_records(sessions: async_sessionmaker[AsyncSession]) -> list[LLMCall]:
    async with sessions() as db:
        return list(await db.scalars(select(LLMCall).order_by(LLMCall.id)))
