"""The job interface: what the API asks for, and what a job gets to do its work.

A *task* is an async function ``task(ctx, **kwargs)`` registered by name in ``TASKS``; a
*periodic* task runs every ``PeriodicTask.seconds`` (on procrastinate, the cron equivalent).
``JobQueue.enqueue`` hands work over and returns at once; where and when it runs is the
implementation's business. Tasks must be safe to run again (a worker that dies mid-job gets its
job retried) and, for periodic ones, concurrently on several hosts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.config import Settings
from peerpear.llm.base import LLMClient


@dataclass(frozen=True)
class JobContext:
    """What every task gets: the database, the settings, the queue and the LLM client of the
    process running it, and a name for that process in the rows it claims."""

    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    queue: JobQueue
    worker_id: str  # host:pid
    llm: LLMClient


Task = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class PeriodicTask:
    name: str  # a key of TASKS
    # The interval for these settings (0: off); on procrastinate, as a cron schedule.
    seconds: Callable[[Settings], float]


class JobQueue(Protocol):
    """Hands work to the background. ``start``/``stop`` bracket the API process's lifespan."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def enqueue(self, task: str, *, key: str | None = None, **kwargs: Any) -> None:
        """Run ``task(ctx, **kwargs)`` in the background. ``key``, when given, names the work
        (e.g. ``run:42``): while a job with that key waits, enqueuing it again does nothing,
        and two jobs with one key never run at the same time."""
        ...

    async def recover_stalled(self) -> int:
        """Put jobs whose worker died back in the queue; how many."""
        ...
