"""The embedded default: jobs run in the server process, as asyncio tasks.

Tasks only await (the database, and the engine, which runs in a child process of its own:
pairing/solver_process.py), so the API's event loop is never held up by a run. At most
``job_concurrency`` jobs run at once; the rest wait their turn in memory. That memory is lost
when the server stops, so at start-up, and then every ``run_recovery_seconds``, runs that lost
their job are enqueued again (pairing/recovery.py); the run's claim keeps two server processes
from executing one run twice.

Periodic tasks run here too, each in its own loop, first after one interval.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.config import Settings
from peerpear.jobs.base import JobContext
from peerpear.jobs.tasks import PERIODIC, RUN_PAIRING, TASKS, recover_runs, run_key
from peerpear.llm.base import LLMClient
from peerpear.llm.factory import create_llm
from peerpear.pairing.recovery import stale_runs

logger = logging.getLogger("peerpear.jobs")


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class InProcessQueue:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        llm: LLMClient | None = None,
    ) -> None:
        llm = llm or create_llm(settings, sessions)
        self.context = JobContext(sessions, settings, self, process_name(), llm)
        self._slots = asyncio.Semaphore(settings.job_concurrency)
        self._waiting: set[str] = set()  # keys of jobs not started yet
        self._key_locks: dict[str, asyncio.Lock] = {}  # a few bytes per run: kept
        self._pending = 0  # jobs enqueued and not finished
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        for periodic in PERIODIC:
            seconds = periodic.seconds(self.context.settings)
            if seconds > 0:
                self._spawn(self._every(periodic.name, seconds), f"periodic {periodic.name}")
        # Runs queued or running when the server last stopped: their jobs were in its memory.
        # Before the first request: a few milliseconds, and nothing then competes with it.
        await self._recover_at_start()

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def enqueue(self, task: str, *, key: str | None = None, **kwargs: Any) -> None:
        if task not in TASKS:
            raise KeyError(f"no task named {task!r}")
        if key is not None:
            if key in self._waiting:
                return
            self._waiting.add(key)
        self._pending += 1
        self._idle.clear()
        self._spawn(self._run(task, key, kwargs), f"{task} {key or ''}".strip())

    async def recover_stalled(self) -> int:
        """Runs whose server process died mid-run (this one before a restart, or another
        one sharing the database): enqueued here."""
        stale = await stale_runs(self.context.sessions)
        for run_id in stale:
            await self.enqueue(RUN_PAIRING, key=run_key(run_id), run_id=run_id)
        return len(stale)

    async def idle(self) -> None:
        """Wait until no job is waiting or running (tests; periodic loops are not jobs)."""
        await self._idle.wait()

    def _spawn(self, coroutine: Any, name: str) -> None:
        task = asyncio.create_task(coroutine, name=f"peerpear job: {name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, task: str, key: str | None, kwargs: dict[str, Any]) -> None:
        # One job per key at a time: a second one waits for the key before taking a slot.
        lock = self._key_locks.setdefault(key, asyncio.Lock()) if key else asyncio.Lock()
        try:
            async with lock, self._slots:
                if key is not None:
                    self._waiting.discard(key)
                await TASKS[task](self.context, **kwargs)
        except Exception:
            logger.exception("job %s %s failed", task, kwargs)
        finally:
            self._pending -= 1
            if self._pending == 0:
                self._idle.set()

    async def _every(self, name: str, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await TASKS[name](self.context)
            except Exception:
                logger.exception("periodic job %r failed; it runs again in %g s", name, seconds)

    async def _recover_at_start(self) -> None:
        try:
            # Every queued run: none can be waiting in this process's memory yet.
            await recover_runs(self.context, queued_for=0)
        except Exception:
            logger.exception("recovering pairing runs at start-up failed")
