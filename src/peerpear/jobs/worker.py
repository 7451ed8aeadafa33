"""`peerpear worker`: run the job queue's work on this host (procrastinate, PostgreSQL).

Start as many as you like, on as many hosts: each takes jobs from the same queue in
PostgreSQL. SIGINT or SIGTERM stops a worker after its running jobs finish, or after
``GRACEFUL_SECONDS`` (a pairing run cut short there is picked up again by another worker, since
its heartbeat stops).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import typer

from peerpear import text_embedding
from peerpear.config import Settings
from peerpear.db import create_engine, create_sessionmaker
from peerpear.logging_setup import configure_logging

logger = logging.getLogger("peerpear.jobs")
GRACEFUL_SECONDS = 10.0


async def run_worker(settings: Settings, concurrency: int) -> None:
    from peerpear.jobs.procrastinate_queue import ProcrastinateQueue

    engine = create_engine(settings)
    queue = ProcrastinateQueue(create_sessionmaker(engine), settings, pool_size=concurrency + 4)
    await queue.start()
    work = asyncio.create_task(queue.run_worker(concurrency))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, work.cancel)
    logger.info(
        "worker %s started: %d pairing run(s) at a time", queue.context.worker_id, concurrency
    )
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await work
    finally:
        await queue.stop()
        await engine.dispose()
        logger.info("worker %s stopped", queue.context.worker_id)


def worker_command(settings: Settings, concurrency: int) -> None:
    if not settings.uses_procrastinate:
        typer.echo(
            "error: `peerpear worker` runs the procrastinate queue, on PostgreSQL; this "
            f"configuration runs jobs in the server (PEERPEAR_JOBS_BACKEND={settings.jobs_backend}"
            f", database {'SQLite' if settings.is_sqlite else 'PostgreSQL'})",
            err=True,
        )
        raise typer.Exit(2)
    configure_logging(settings.log_level, settings.log_format)
    text_embedding.configure(settings)  # the embedder of this worker's runs
    asyncio.run(run_worker(settings, concurrency))
