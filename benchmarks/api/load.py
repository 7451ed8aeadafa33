"""Load benchmark of the API's authenticated reads against a bare FastAPI endpoint (issue 7).

    uv run python -m benchmarks.api.load                          # SQLite and PostgreSQL
    uv run python -m benchmarks.api.load --database sqlite --runs 5 --seconds 10

Each run starts the bare reference app (benchmarks/api/bare_app.py) and then `peerpear serve`,
one process each and one at a time, so they never compete for the CPU; wrk loads the bare
endpoint, then /health, GET /api/v1/me and GET /api/v1/organizations (with a bearer token) at
the same concurrency. The table gives medians over the runs of requests/s and p99 latency, and
the median of each run's ratio to the bare endpoint's rate (a ratio measured within one run
survives other load on a shared machine better than absolute rates do). It also reads the
server process's CPU time around each wrk run: CPU per request does not depend on how much of
the machine others take, so bare / this is the ratio of rates on a machine of our own. Needs wrk
(`apt-get install wrk`) and, for PostgreSQL, a server at --pg-url (trust auth is fine).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.api import wrk
from benchmarks.api.fixtures import database, seed
from peerpear.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
ENDPOINTS = ["/bare", "/health", "/api/v1/me", "/api/v1/organizations"]


@dataclass(frozen=True)
class Measured:
    wrk: wrk.WrkResult
    cpu_us: float  # the server process's CPU time per request (user + system)


@dataclass
class Samples:
    rates: list[float] = field(default_factory=list)
    p99s: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)
    cpu_ratios: list[float] = field(default_factory=list)
    failures: int = 0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _server(
    command: list[str], env: dict[str, str], port: int, ready: str
) -> Iterator[tuple[str, psutil.Process]]:
    """Start a server process, wait until ``ready`` answers, stop it afterwards."""
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                sys.exit(f"server exited early: {' '.join(command)}")
            try:
                httpx.get(f"{base}{ready}", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    sys.exit(f"server did not start: {' '.join(command)}")
                time.sleep(0.2)
        yield base, psutil.Process(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _measure(
    server: tuple[str, psutil.Process], path: str, args: argparse.Namespace, token: str
) -> Measured:
    base, process = server
    headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
    options = {"connections": args.connections, "threads": args.threads, "headers": headers}
    wrk.run(base + path, seconds=1, **options)  # warm-up, not kept
    before = _cpu_seconds(process)
    result = wrk.run(base + path, seconds=args.seconds, **options)
    cpu_us = (_cpu_seconds(process) - before) / max(result.requests, 1) * 1e6
    return Measured(result, cpu_us)


def _one_run(url: str, token: str, args: argparse.Namespace) -> dict[str, Measured]:
    """The bare app, then PeerPear (or the other way round on even runs), one process each."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERPEAR_")}
    env.update(PEERPEAR_DATABASE_URL=url, PEERPEAR_AUTO_MIGRATE="false", PEERPEAR_LOG_LEVEL="INFO")
    python = sys.executable
    results: dict[str, Measured] = {}

    def bare() -> None:
        port = _free_port()
        command = [
            *(python, "-m", "uvicorn", "benchmarks.api.bare_app:app", "--port", str(port)),
            *("--log-level", "warning", "--no-access-log"),
        ]
        with _server(command, env, port, "/bare") as server:
            results["/bare"] = _measure(server, "/bare", args, token)

    def peerpear() -> None:
        port = _free_port()
        command = [python, "-m", "peerpear.cli", "serve", "--port", str(port)]
        with _server(command, env, port, "/health") as server:
            for path in ENDPOINTS[1:]:
                results[path] = _measure(server, path, args, token)

    first, second = (bare, peerpear) if args.run % 2 else (peerpear, bare)
    first()
    second()
    return results


def _bench(kind: str, args: argparse.Namespace) -> tuple[dict[str, Samples], list[float]]:
    samples = {path: Samples() for path in ENDPOINTS}
    loads: list[float] = []

    def runs(url: str, token: str) -> None:
        for run in range(1, args.runs + 1):
            args.run = run
            loads.append(os.getloadavg()[0])
            results = _one_run(url, token, args)
            for path, result in results.items():
                _record(samples[path], result, results["/bare"])
            loads.append(os.getloadavg()[0])
            print(f"  {kind} run {run}/{args.runs} (load {loads[-1]:.1f})", file=sys.stderr)

    async def main() -> None:
        # The database lives while this context is open (PostgreSQL's is dropped when it
        # closes); the servers and wrk run from a thread meanwhile.
        with tempfile.TemporaryDirectory() as tmp:
            async with database(kind, Path(tmp), args.pg_url) as url:
                token = await seed(Settings(database_url=url))
                await asyncio.to_thread(runs, url, token)

    asyncio.run(main())
    return samples, loads


def _record(samples: Samples, measured: Measured, bare: Measured) -> None:
    samples.rates.append(measured.wrk.requests_per_s)
    samples.p99s.append(measured.wrk.p99_ms)
    samples.ratios.append(measured.wrk.requests_per_s / bare.wrk.requests_per_s)
    samples.cpu_us.append(measured.cpu_us)
    samples.cpu_ratios.append(bare.cpu_us / measured.cpu_us)
    samples.failures += measured.wrk.non_2xx + measured.wrk.errors


def _table(kind: str, samples: dict[str, Samples], loads: list[float]) -> str:
    lines = [
        f"{kind}: load average {min(loads):.1f}-{max(loads):.1f}",
        "",
        "| endpoint | req/s | p99 ms | req/s ratio to bare | server CPU µs/request "
        "| CPU ratio (bare / this) | failed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for path, s in samples.items():
        lines.append(
            f"| `{path}` | {statistics.median(s.rates):,.0f} | {statistics.median(s.p99s):.1f} "
            f"| {statistics.median(s.ratios):.0%} | {statistics.median(s.cpu_us):.0f} "
            f"| {statistics.median(s.cpu_ratios):.0%} | {s.failures} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3, help="runs per database (medians)")
    parser.add_argument("--seconds", type=float, default=10, help="wrk duration per endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--pg-url", default=os.environ.get("PEERPEAR_BENCH_PG_URL", DEFAULT_PG))
    args = parser.parse_args()
    wrk.require_wrk()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds:g}s, {args.runs} runs, "
        f"{os.cpu_count()} cores"
    )
    for kind in kinds:
        samples, loads = _bench(kind, args)
        print()
        print(_table(kind, samples, loads))


if __name__ == "__main__":
    main()
