"""The LLM client the settings ask for (``PEERPEAR_LLM_PROVIDER``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.config import Settings
from peerpear.llm.base import LLMClient
from peerpear.llm.offline import OfflineLLM


def create_llm(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> LLMClient:
    if settings.llm_provider == "offline":
        return OfflineLLM()
    raise NotImplementedError(f"the {settings.llm_provider} provider is not built yet")
