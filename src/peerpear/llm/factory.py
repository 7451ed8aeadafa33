"""The LLM client the settings ask for (``PEERPEAR_LLM_PROVIDER``).

The SDKs are imported here only when their provider is configured: the offline default
loads neither.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.config import Settings
from peerpear.llm.base import LLMClient
from peerpear.llm.offline import OfflineLLM
from peerpear.llm.provider import Provider


def create_provider(settings: Settings) -> Provider:
    if settings.llm_provider == "gemini":
        from peerpear.llm.gemini_provider import GeminiProvider

        return GeminiProvider(settings)
    from peerpear.llm.openai_provider import OpenAIProvider

    return OpenAIProvider(settings)


def create_llm(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> LLMClient:
    if settings.llm_provider == "offline":
        return OfflineLLM()
    from peerpear.llm.client import RobustLLM
    from peerpear.llm.retries import RetryPolicy

    return RobustLLM(
        create_provider(settings),
        sessions,
        timeout_s=settings.llm_timeout_seconds,
        max_concurrency=settings.llm_max_concurrency,
        retry=RetryPolicy(max_attempts=settings.llm_max_attempts),
    )
