"""Jobs on procrastinate: queued in PostgreSQL, run by ``peerpear worker`` processes on any
number of hosts (DESIGN §5). The API process only enqueues.

- Every task of ``TASKS`` is a procrastinate task of the same name; a job's ``key`` is both its
  queueing lock (one waiting job per key) and its lock (never two running at once). Pairing
  runs go to their own queue, with their own slots in each worker, so that long runs never
  keep the short periodic jobs waiting.
- Periodic tasks are procrastinate periodic tasks: one job per period across all workers.
- Workers heartbeat; a worker that stops heartbeating (killed, frozen, cut off) leaves its jobs
  *stalled*, and the periodic ``pairing.recover`` puts them back in the queue.
- procrastinate talks to PostgreSQL through psycopg (its own pool), the app through asyncpg: the
  URL is the app's, with the driver changed. Its tables come with migration 0007.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.job_context import JobContext as ProcrastinateContext
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.config import Settings
from peerpear.jobs.base import JobContext, Task
from peerpear.jobs.tasks import PERIODIC, RUN_PAIRING, TASKS
from peerpear.llm.base import LLMClient
from peerpear.llm.factory import create_llm

logger = logging.getLogger("peerpear.jobs")
PERIODIC_SUFFIX = ".periodic"
RUNS_QUEUE = "runs"
OTHER_QUEUE = "default"
OTHER_CONCURRENCY = 2


def libpq_url(database_url: str) -> str:
    """The app's SQLAlchemy URL as psycopg takes it (``postgresql://...``)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError("procrastinate needs PostgreSQL (PEERPEAR_DATABASE_URL)")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def cron_every(seconds: float) -> str:
    """A cron schedule close to "every ``seconds``" (procrastinate's sixth column is seconds)."""
    whole = max(1, round(seconds))
    if whole < 60:
        return f"* * * * * */{whole}"
    minutes = math.ceil(whole / 60)
    if minutes < 60:
        return f"*/{minutes} * * * *"
    return f"0 */{min(23, math.ceil(minutes / 60))} * * *"


class ProcrastinateQueue:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        llm: LLMClient | None = None,
        *,
        pool_size: int = 2,
    ) -> None:
        llm = llm or create_llm(settings, sessions)
        connector = procrastinate.PsycopgConnector(
            conninfo=libpq_url(settings.database_url), min_size=1, max_size=pool_size
        )
        self.app = procrastinate.App(connector=connector)
        worker_id = f"{socket.gethostname()}:{os.getpid()}"
        self.context = JobContext(sessions, settings, self, worker_id, llm)
        for name, task in TASKS.items():
            self._register(name, task)
        for periodic in PERIODIC:
            seconds = periodic.seconds(settings)
            if seconds > 0:
                self._register_periodic(periodic.name, seconds)

    def _register(self, name: str, task: Task) -> None:
        context = self.context

        async def job(_context: ProcrastinateContext, /, **kwargs: Any) -> None:
            await task(context, **kwargs)

        queue = RUNS_QUEUE if name == RUN_PAIRING else OTHER_QUEUE
        self.app.task(name=name, pass_context=True, queue=queue)(job)

    def _register_periodic(self, name: str, seconds: float) -> None:
        context, task = self.context, TASKS[name]

        async def tick(timestamp: int) -> None:
            await task(context)

        registered = self.app.task(
            name=name + PERIODIC_SUFFIX, queueing_lock=name, queue=OTHER_QUEUE
        )(tick)
        self.app.periodic(cron=cron_every(seconds), periodic_id=name)(registered)

    async def start(self) -> None:
        await self.app.open_async()

    async def stop(self) -> None:
        await self.app.close_async()

    async def enqueue(self, task: str, *, key: str | None = None, **kwargs: Any) -> None:
        if task not in TASKS:
            raise KeyError(f"no task named {task!r}")
        # AlreadyEnqueued: a job for the same key is waiting already; that one will do.
        with contextlib.suppress(AlreadyEnqueued):
            await self.app.configure_task(task, lock=key, queueing_lock=key).defer_async(**kwargs)

    async def recover_stalled(self) -> int:
        stalled = list(await self.app.job_manager.get_stalled_jobs())
        for job in stalled:
            logger.warning(
                "job %s (%s) stalled: its worker stopped; retrying it", job.id, job.task_name
            )
            await self.app.job_manager.retry_job(job)
        return len(stalled)

    async def run_worker(self, concurrency: int, *, name: str | None = None) -> None:
        """Run jobs until cancelled: ``concurrency`` pairing runs at a time, and beside them
        the other jobs (periodic work), each kind with slots of its own. Two procrastinate
        workers in this process, one per queue, each with its own heartbeat."""
        base = name or self.context.worker_id
        await asyncio.gather(
            self.app.run_worker_async(
                queues=[RUNS_QUEUE],
                concurrency=concurrency,
                name=f"{base}/runs",
                install_signal_handlers=False,
                wait=True,
            ),
            self.app.run_worker_async(
                queues=[OTHER_QUEUE],
                concurrency=OTHER_CONCURRENCY,
                name=f"{base}/other",
                install_signal_handlers=False,
                wait=True,
            ),
        )
