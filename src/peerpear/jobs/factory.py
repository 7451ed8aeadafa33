"""The job queue the settings ask for (``PEERPEAR_JOBS_BACKEND``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.config import Settings
from peerpear.jobs.base import JobQueue
from peerpear.llm.base import LLMClient


def create_queue(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, llm: LLMClient
) -> JobQueue:
    if settings.uses_procrastinate:
        # Imported here: the embedded default never loads procrastinate (nor psycopg).
        from peerpear.jobs.procrastinate_queue import ProcrastinateQueue

        return ProcrastinateQueue(sessions, settings, llm)
    from peerpear.jobs.inprocess import InProcessQueue

    return InProcessQueue(sessions, settings, llm)
