"""The procrastinate queue with real `peerpear worker` processes (PostgreSQL only): the API
process only enqueues; two workers run the runs; one killed mid-run (SIGKILL) loses nothing:
its stalled job is retried and the run finishes, on the other worker, as a second attempt."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.jobs.procrastinate_queue import ProcrastinateQueue
from peerpear.models import PairingRun, RunStatus
from tests.jobs.bulk import big_event
from tests.pairing.helpers import complete_program

API = "/api/v1"


@pytest.fixture
def settings_overrides(database_url: str) -> dict[str, Any]:
    if not database_url.startswith("postgresql"):
        pytest.skip("procrastinate runs on PostgreSQL only")
    return {"jobs_backend": "procrastinate"}


@pytest.fixture
async def clean_queue(database_url: str, session: AsyncSession) -> AsyncIterator[None]:
    yield
    # The app's tables are wiped after each test; procrastinate's are not among them.
    await session.execute(text("TRUNCATE procrastinate_jobs, procrastinate_workers CASCADE"))
    await session.commit()


@contextmanager
def workers(database_url: str, count: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    env = {
        **os.environ,
        "PEERPEAR_DATABASE_URL": database_url,
        "PEERPEAR_JOBS_BACKEND": "procrastinate",
        "PEERPEAR_ENVIRONMENT": "test",
        "PEERPEAR_SECRET_KEY": "test-secret-key-not-for-production",
        "PEERPEAR_RUN_RECOVERY_SECONDS": "2",
        "PEERPEAR_LOG_LEVEL": "WARNING",
    }
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "peerpear.cli", "worker", "--concurrency", "1"], env=env
        )
        for _ in range(count)
    ]
    try:
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


async def _run_status(session: AsyncSession, run_id: int) -> PairingRun:
    run = await session.get(PairingRun, run_id, populate_existing=True)
    assert run is not None
    return run


async def _wait_for(
    session: AsyncSession, run_id: int, statuses: set[RunStatus], seconds: float
) -> PairingRun:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        run = await _run_status(session, run_id)
        if run.status in statuses:
            return run
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {run_id} is {run.status} after {seconds} s, not {statuses}")


async def test_the_api_enqueues_and_workers_run(
    app: Any, client: httpx.AsyncClient, session: AsyncSession, database_url: str, clean_queue: None
) -> None:
    assert isinstance(app.state.jobs, ProcrastinateQueue)
    program = await complete_program(session, 10)
    owner = program.club.owner_headers
    # Nothing runs in the API process: without a worker the run waits.
    started = await client.post(program.url + "/pairing-runs", json={}, headers=owner)
    assert started.status_code == 202
    run_id = started.json()["id"]
    await asyncio.sleep(1.5)
    assert (await _run_status(session, run_id)).status is RunStatus.QUEUED
    with workers(database_url, 2):
        more = [
            (
                await client.post(program.url + "/pairing-runs", json={"seed": s}, headers=owner)
            ).json()["id"]
            for s in (1, 2)
        ]
        for rid in (run_id, *more):
            run = await _wait_for(session, rid, {RunStatus.SUCCEEDED, RunStatus.FAILED}, 60)
            assert run.status is RunStatus.SUCCEEDED, run.error
            assert run.attempts == 1


async def test_a_worker_killed_mid_run_loses_nothing(
    app: Any, client: httpx.AsyncClient, session: AsyncSession, database_url: str, clean_queue: None
) -> None:
    event, owner_headers = await big_event(session, people=3000)
    with workers(database_url, 2) as started:
        answer = await client.post(
            f"{API}/events/{event.id}/pairing-runs",
            json={"time_limit_s": 20},
            headers=owner_headers,
        )
        run_id = answer.json()["id"]
        run = await _wait_for(session, run_id, {RunStatus.RUNNING}, 60)
        assert run.worker_id is not None
        pid = int(run.worker_id.rsplit(":", 1)[1])
        [victim] = [p for p in started if p.pid == pid]
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        # The other worker notices the silence (heartbeats stop for 30 s), retries the job and
        # takes over the run as a second attempt.
        done = await _wait_for(session, run_id, {RunStatus.SUCCEEDED, RunStatus.FAILED}, 150)
        assert done.status is RunStatus.SUCCEEDED, done.error
        assert done.attempts == 2
        result = done.result or {}
        assert len(result["registrations"]) == 3000


def test_the_worker_refuses_the_embedded_default(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from peerpear.cli import app as cli_app
    from peerpear.config import get_settings

    monkeypatch.setenv("PEERPEAR_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    monkeypatch.delenv("PEERPEAR_JOBS_BACKEND", raising=False)
    get_settings.cache_clear()
    try:
        refused = CliRunner().invoke(cli_app, ["worker"])
    finally:
        get_settings.cache_clear()
    assert refused.exit_code == 2
    assert "runs jobs in the server" in refused.output
