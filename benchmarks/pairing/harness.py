"""What the pairing-run benchmarks share: a fresh migrated database, a large event in it, real
`peerpear serve` / `peerpear worker` / reference processes, and a run followed to its end.

The event is the one the worker test uses (``tests/jobs/bulk.py``: a closed event, N complete
registrations, each with a choice, a scale and a free-text answer), imported from the test tree,
which is a package: run the benchmarks from the repository root (`python -m benchmarks...`).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from tests.jobs.bulk import big_event

from peerpear.config import Settings
from peerpear.db import create_engine, create_sessionmaker
from peerpear.pairing.parameters import RunParameters
from peerpear.pairing.snapshot import load_snapshot

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PYTHON = sys.executable
FINISHED = {"succeeded", "failed", "cancelled"}


@dataclass(frozen=True)
class Backend:
    """Where the data lives and who runs the jobs."""

    name: str
    database: str  # "sqlite" | "postgresql"
    jobs: str  # "inprocess" | "procrastinate"
    label: str


BACKENDS = {
    b.name: b
    for b in (
        Backend("sqlite", "sqlite", "inprocess", "SQLite, in-process queue (embedded default)"),
        Backend("pg-procrastinate", "postgresql", "procrastinate", "PostgreSQL, procrastinate"),
        Backend("pg-inprocess", "postgresql", "inprocess", "PostgreSQL, in-process queue"),
    )
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def load_average() -> float:
    return os.getloadavg()[0]


def uptime() -> str:
    """`uptime`'s line (the machine's load, recorded before each round)."""
    done = subprocess.run(["uptime"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or f"load average {os.getloadavg()}"


def peerpear_env(url: str, jobs: str, workdir: Path) -> dict[str, str]:
    """The environment of the benchmark's PeerPear processes: default settings but for these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERPEAR_")}
    env.update(
        PEERPEAR_DATABASE_URL=url,
        PEERPEAR_JOBS_BACKEND=jobs,
        PEERPEAR_ENVIRONMENT="development",
        PEERPEAR_AUTO_MIGRATE="false",
        PEERPEAR_MEDIA_DIR=str(workdir / "media"),
    )
    return env


# --- the database -------------------------------------------------------------------------


async def _pg_admin(server: str, statement: str) -> None:
    admin = create_async_engine(
        make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        async with admin.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await admin.dispose()


@contextmanager
def fresh_database(kind: str, workdir: Path, pg_server: str) -> Iterator[str]:
    """A new database migrated with `peerpear db upgrade`: a SQLite file in ``workdir``, or a
    PostgreSQL database dropped afterwards. Yields its SQLAlchemy URL."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        _migrate(url, workdir)
        yield url
        return
    name = f"peerpear_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(pg_server, f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(pg_server).set(database=name).render_as_string(hide_password=False)
        _migrate(url, workdir)
        yield url
    finally:
        asyncio.run(_pg_admin(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _migrate(url: str, workdir: Path) -> None:
    subprocess.run(
        [PYTHON, "-m", "peerpear.cli", "db", "upgrade"],
        cwd=ROOT,
        env=peerpear_env(url, "inprocess", workdir),
        check=True,
        capture_output=True,
    )


@dataclass(frozen=True)
class Seeded:
    """A large event: its id, its owner's bearer token, and the problem a run of it solves."""

    people: int
    event_id: int
    token: str
    problem: dict[str, Any]
    fingerprint: str


async def _seed(url: str, people: int) -> Seeded:
    engine = create_engine(Settings(database_url=url))
    try:
        async with create_sessionmaker(engine)() as db:
            event, headers = await big_event(db, people)
            snapshot = await load_snapshot(db, event, RunParameters())
        token = headers["Authorization"].removeprefix("Bearer ")
        return Seeded(people, event.id, token, snapshot.problem, snapshot.fingerprint)
    finally:
        await engine.dispose()


def seed_event(url: str, people: int) -> Seeded:
    """Write an event of ``people`` complete registrations (a few bulk statements)."""
    return asyncio.run(_seed(url, people))


def write_problem(seeded: Seeded, path: Path, **settings: Any) -> Path:
    problem = dict(seeded.problem)
    problem["settings"] = {**problem["settings"], **settings}
    path.write_text(json.dumps(problem))
    return path


# --- processes ----------------------------------------------------------------------------


class Service:
    """A started process, its output in a log file; stopped with SIGTERM (then SIGKILL)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.command, self.log = name, command, log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def check(self) -> None:
        if self.process.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            sys.exit(f"{self.name} exited ({self.process.returncode}); its log ends:\n{tail}")

    def wait_ready(self, url: str, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while True:
            self.check()
            try:
                if httpx.get(url, timeout=2).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"{self.name} did not answer {url} within {seconds:g} s")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@contextmanager
def services(*started: Service) -> Iterator[None]:
    try:
        yield
    finally:
        for service in reversed(started):
            service.stop()


def serve(
    url: str, jobs: str, workdir: Path, name: str = "serve", *, lag_file: Path | None = None
) -> tuple[Service, str]:
    """`peerpear serve` (one process, default settings); its base URL, once it answers. With
    ``lag_file``, the same server with an event-loop lag monitor (lag_serve.py)."""
    port = free_port()
    command = [PYTHON, "-m", "peerpear.cli", "serve", "--port", str(port)]
    if lag_file is not None:
        command = [PYTHON, "-m", "benchmarks.pairing.lag_serve", "--port", str(port)]
        command += ["--lag-file", str(lag_file)]
    service = Service(
        name,
        command,
        peerpear_env(url, jobs, workdir),
        workdir / f"{name}.log",
    )
    base = f"http://127.0.0.1:{port}"
    service.wait_ready(base + "/health")
    return service, base


def worker(url: str, workdir: Path) -> Service:
    """`peerpear worker` (procrastinate, one run at a time)."""
    return Service(
        "worker",
        [PYTHON, "-m", "peerpear.cli", "worker", "--concurrency", "1"],
        peerpear_env(url, "procrastinate", workdir),
        workdir / "worker.log",
    )


def bare_app(workdir: Path) -> tuple[Service, str]:
    """The reference: benchmarks/api/bare_app.py under uvicorn, served like PeerPear."""
    port = free_port()
    service = Service(
        "bare",
        [
            *(PYTHON, "-m", "uvicorn", "benchmarks.api.bare_app:app", "--port", str(port)),
            *("--log-level", "warning", "--no-access-log"),
        ],
        dict(os.environ),
        workdir / "bare.log",
    )
    base = f"http://127.0.0.1:{port}"
    service.wait_ready(base + "/bare")
    return service, base


# --- runs ---------------------------------------------------------------------------------


def start_run(client: httpx.Client, base: str, seeded: Seeded, **params: Any) -> str:
    """POST a run; the absolute URL of its ``Location``."""
    answer = client.post(
        f"{base}/api/v1/events/{seeded.event_id}/pairing-runs",
        json=params,
        headers=auth(seeded.token),
    )
    if answer.status_code != 202:
        sys.exit(f"starting a run answered {answer.status_code}: {answer.text[:500]}")
    return base + answer.headers["Location"]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def read_run(client: httpx.Client, location: str, token: str) -> dict[str, Any]:
    answer = client.get(location, headers=auth(token))
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return body


def wait_for(
    client: httpx.Client,
    location: str,
    token: str,
    statuses: set[str],
    *,
    every: float = 0.1,
    seconds: float = 600,
    alive: list[Service] | None = None,
) -> tuple[dict[str, Any], float]:
    """Poll ``location`` every ``every`` seconds until its status is one of ``statuses``; the
    run and the monotonic time its answer arrived."""
    deadline = time.monotonic() + seconds
    while True:
        run = read_run(client, location, token)
        seen = time.monotonic()
        if run["status"] in statuses or run["status"] in FINISHED:
            return run, seen
        if seen > deadline:
            sys.exit(f"run {location} still {run['status']} after {seconds:g} s")
        for service in alive or []:
            service.check()
        time.sleep(max(0.0, every - (time.monotonic() - seen)))


def cancel(client: httpx.Client, location: str, token: str) -> None:
    client.post(location + "/cancel", headers=auth(token))
    wait_for(client, location, token, {"cancelled"}, every=0.2, seconds=60)


def timestamp(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def seconds_between(start: str | None, end: str | None) -> float | None:
    a, b = timestamp(start), timestamp(end)
    return (b - a).total_seconds() if a and b else None
