"""Work the server does by itself at intervals, in one place (DESIGN §5: later on the job queue).

Each job is an asyncio task started in the app's lifespan, run once per interval (after the
first interval, not at start-up: reads close expired events anyway), stopped when the app
shuts down. A failing run is logged and the next one still happens. Several server processes
may run the same job: each job must be safe to run concurrently (closing expired events is: a
row is only closed by the one UPDATE that still finds it open).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.config import Settings
from peerpear.db import utcnow
from peerpear.events.deadlines import close_expired

logger = logging.getLogger("peerpear.periodic")


async def run_every(interval: float, name: str, job: Callable[[], Awaitable[object]]) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await job()
        except Exception:
            logger.exception("periodic job %r failed; it runs again in %g s", name, interval)


async def close_expired_events(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    """One transaction closing every open event past its deadline; the closed ids."""
    async with sessions.begin() as db:
        return await close_expired(db, utcnow())


@contextlib.asynccontextmanager
async def periodic_jobs(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> AsyncIterator[list[asyncio.Task[None]]]:
    tasks: list[asyncio.Task[None]] = []
    if settings.deadline_check_seconds > 0:
        job = run_every(
            settings.deadline_check_seconds,
            "close expired events",
            lambda: close_expired_events(sessions),
        )
        tasks.append(asyncio.create_task(job, name="peerpear: close expired events"))
    try:
        yield tasks
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
