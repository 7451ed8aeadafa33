"""API read latency while a 10,000-person pairing run executes, on the embedded default (SQLite,
the in-process queue, one `peerpear serve` process). Target: p99 of reads < 100 ms.

    python -m benchmarks.pairing.latency                     # 3 rounds, 10 s windows, 32 conns
    python -m benchmarks.pairing.latency --rounds 5 --connections 16

Setup: a fresh SQLite database migrated with `peerpear db upgrade`, an event of ``--people``
complete registrations (tests/jobs/bulk.py) and one of 100 for a warm-up run (which starts the
server's solver fork server), `peerpear serve` and the bare reference app
(benchmarks/api/bare_app.py) side by side; each is idle while the other is measured.

Each round, after recording `uptime`:

1. *idle*: wrk on `/bare`, `GET /api/v1/me` and `GET /api/v1/events/{id}` (bearer token), for
   ``--seconds`` each, nothing else of ours running;
2. *bare + engine*: wrk on `/bare` while the engine alone solves the same problem in a fresh
   process (benchmarks/pairing/engine_alone.py, as a run's solver process does): what competing
   for the two cores with a solver costs an endpoint that does nothing;
3. *during a run*, for each PeerPear endpoint: POST a run (``--time-limit``), wait (reading the
   database directly, not through the server) until it is `running`, start wrk, and stop it
   after ``--seconds`` or as soon as the run has finished, whichever comes first (so every
   request in the window was served while the run executed: snapshot, solve and storing the
   result). The window's length and which of the two ended it are recorded; a run that does
   not succeed stops the benchmark.

Server, solver and wrk CPU are read with psutil over each window (cores used = CPU seconds /
window seconds). Reported: medians over the rounds of p50, p99, max and requests/s.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.api import wrk
from benchmarks.pairing import harness
from benchmarks.pairing.harness import Seeded

POLL_S = 0.05  # how often the database is read for the run's status during a window
TARGET_P99_MS = 100.0
STALL_MS = 50.0  # a loop lag above this counts as a stall (--lag-monitor)
PACE_SCRIPT = "function delay()\n  return {ms}\nend\n"


@dataclass(frozen=True)
class Window:
    round: int
    condition: str  # "idle" | "bare + engine" | "during run"
    endpoint: str
    p50_ms: float
    p99_ms: float
    max_ms: float
    requests_per_s: float
    requests: int
    failed: int
    seconds: float
    ended_by: str  # "time" | "run finished" | "solve finished"
    server_cores: float  # CPU seconds of the server (or bare app) process / window
    solver_cores: float  # CPU seconds of the solver (child processes, or engine_alone) / window
    wrk_cores: float
    load: float
    run_runtime_s: float | None = None  # the run's metrics.runtime_s, once it succeeded
    # with --lag-monitor: event-loop stalls of the server (> STALL_MS) within the window
    stalls: int | None = None
    longest_stall_ms: float | None = None
    stalled_s: float | None = None
    # during a run: the stalls' (seconds after the run's start, ms), to place them in its phases
    stall_times: list[tuple[float, float]] = field(default_factory=list)


class CpuWatch:
    """CPU seconds used by a process, and by its descendants (the server's fork server and each
    run's solver process), over a window; descendants are sampled at every poll, so a solver
    that starts and ends within the window is counted (up to its last sample)."""

    def __init__(self, pid: int, *, descendants: bool = False) -> None:
        self.main = psutil.Process(pid)
        self.descendants = descendants
        self.start = self._cpu(self.main)
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        for child in self._children():
            self.first[child.pid] = self.last[child.pid] = self._cpu(child)

    @staticmethod
    def _cpu(process: psutil.Process) -> float:
        try:
            times = process.cpu_times()
        except psutil.Error:
            return 0.0
        return float(times.user + times.system)

    def _children(self) -> list[psutil.Process]:
        if not self.descendants:
            return []
        try:
            return list(self.main.children(recursive=True))
        except psutil.Error:
            return []

    def sample(self) -> None:
        for child in self._children():
            cpu = self._cpu(child)
            if cpu > 0:
                self.first.setdefault(child.pid, 0.0)
                self.last[child.pid] = cpu

    def totals(self) -> tuple[float, float]:
        """(the process's CPU s, its descendants' CPU s) since the watch started."""
        self.sample()
        children = sum(self.last[pid] - self.first[pid] for pid in self.last)
        return self._cpu(self.main) - self.start, children


@dataclass
class Bench:
    args: argparse.Namespace
    workdir: Path
    db_path: Path
    big: Seeded
    small: Seeded
    base: str = ""
    bare: str = ""
    server_pid: int = 0
    bare_pid: int = 0
    windows: list[Window] = field(default_factory=list)
    uptimes: list[str] = field(default_factory=list)
    lag_file: Path | None = None
    script: str | None = None

    def options(self, token: str | None) -> dict[str, Any]:
        return {
            "connections": self.args.connections,
            "threads": self.args.threads,
            "headers": harness.auth(token) if token else {},
            "script": self.script,
        }

    def stalls(self, start: float, end: float) -> list[tuple[float, float]]:
        """(unix time, ms) of the server loop's stalls between ``start`` and ``end``."""
        if self.lag_file is None or not self.lag_file.exists():
            return []
        found = []
        for line in self.lag_file.read_text().splitlines():
            at, ms = (float(x) for x in line.split())
            if start <= at <= end and ms > STALL_MS:
                found.append((at, ms))
        return found

    def endpoints(self) -> dict[str, str]:
        return {
            "/api/v1/me": self.base + "/api/v1/me",
            "/api/v1/events/{id}": f"{self.base}/api/v1/events/{self.big.event_id}",
        }

    def run_status(self, run_id: int) -> str:
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5) as conn:
            row = conn.execute("SELECT status FROM pairing_runs WHERE id = ?", (run_id,)).fetchone()
        return str(row[0])

    def record(
        self,
        n: int,
        condition: str,
        endpoint: str,
        result: wrk.WrkResult,
        cpu: tuple[float, float],
        wrk_cpu: float,
        ended_by: str,
        load: float,
        runtime_s: float | None = None,
        *,
        span: tuple[float, float] = (0.0, 0.0),
        run_started: float | None = None,
    ) -> None:
        seconds = max(result.seconds, 1e-9)
        found = self.stalls(*span)
        watched = self.lag_file is not None and endpoint != "/bare"  # the bare app has none
        self.windows.append(
            Window(
                round=n,
                condition=condition,
                endpoint=endpoint,
                p50_ms=result.p50_ms,
                p99_ms=result.p99_ms,
                max_ms=result.max_ms,
                requests_per_s=result.requests_per_s,
                requests=result.requests,
                failed=result.non_2xx + result.errors,
                seconds=result.seconds,
                ended_by=ended_by,
                server_cores=cpu[0] / seconds,
                solver_cores=cpu[1] / seconds,
                wrk_cores=wrk_cpu / seconds,
                load=load,
                run_runtime_s=runtime_s,
                stalls=len(found) if watched else None,
                longest_stall_ms=max((ms for _, ms in found), default=0.0) if watched else None,
                stalled_s=sum(ms for _, ms in found) / 1000 if watched else None,
                stall_times=[(at - run_started, ms) for at, ms in found if ms >= 100]
                if run_started is not None
                else [],
            )
        )
        w = self.windows[-1]
        _say(
            f"  round {n} {condition:13} {endpoint:22} p50 {w.p50_ms:7.1f} p99 {w.p99_ms:7.1f} "
            f"max {w.max_ms:7.1f} ms {w.requests_per_s:7.0f}/s {w.seconds:5.1f} s ({ended_by}) "
            f"cores: server {w.server_cores:.2f} solver {w.solver_cores:.2f} wrk "
            f"{w.wrk_cores:.2f}"
            + (
                ""
                if w.stalls is None
                else f" stalls>{STALL_MS:.0f}ms: {w.stalls}, longest {w.longest_stall_ms:.0f} ms"
            )
        )
        for offset, ms in w.stall_times:
            _say(f"    stall {ms:6.0f} ms at {offset:+6.2f} s from the run's start")

    def window(
        self,
        url: str,
        token: str | None,
        server_pid: int,
        *,
        solver: subprocess.Popen[str] | None = None,
        run_id: int | None = None,
    ) -> tuple[wrk.WrkResult, tuple[float, float], float, str, tuple[float, float]]:
        """wrk on ``url`` for ``--seconds``, or until the solve (``solver``) or the run
        (``run_id``) has finished; (result, (server CPU s, solver CPU s), wrk CPU s, what ended
        the window, (its start, its end) in unix time)."""
        server = CpuWatch(server_pid, descendants=solver is None)
        alone = CpuWatch(solver.pid) if solver is not None else None
        running = wrk.Running(url, seconds=600, **self.options(token))
        load_gen = CpuWatch(running.process.pid)
        started, wall_start = time.monotonic(), time.time()
        ended_by = "time"
        solver_cpu = 0.0
        while time.monotonic() - started < self.args.seconds:
            server.sample()
            if alone is not None and solver is not None:
                solver_cpu = max(solver_cpu, alone.totals()[0])
                if solver.poll() is not None:
                    ended_by = "solve finished"
                    break
            if run_id is not None and self.run_status(run_id) != "running":
                ended_by = "run finished"
                break
            time.sleep(POLL_S)
        wrk_cpu = load_gen.totals()[0]
        result = running.stop()
        span = (wall_start, time.time())
        server_cpu, children_cpu = server.totals()
        cpu = (server_cpu, solver_cpu if solver is not None else children_cpu)
        return result, cpu, wrk_cpu, ended_by, span

    def idle(self, n: int) -> None:
        targets = [("/bare", self.bare + "/bare", None, self.bare_pid)] + [
            (name, url, self.big.token, self.server_pid) for name, url in self.endpoints().items()
        ]
        for name, url, token, pid in targets:
            load = harness.load_average()
            result, cpu, wrk_cpu, ended_by, span = self.window(url, token, pid)
            self.record(n, "idle", name, result, cpu, wrk_cpu, ended_by, load, span=span)

    def bare_with_engine(self, n: int, problem: Path) -> None:
        load = harness.load_average()
        command = ["-m", "benchmarks.pairing.engine_alone", str(problem), "--cold", "--announce"]
        solver = subprocess.Popen(
            [harness.PYTHON, *command],
            cwd=harness.ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert solver.stdout is not None
        if solver.stdout.readline().strip() != "solving":
            sys.exit("engine_alone did not start solving")
        result, cpu, wrk_cpu, ended_by, _ = self.window(
            self.bare + "/bare", None, self.bare_pid, solver=solver
        )
        line = solver.stdout.readline()
        solver.wait()
        runtime = json.loads(line)["runtime_s"] if line.strip() else None
        self.record(n, "bare + engine", "/bare", result, cpu, wrk_cpu, ended_by, load, runtime)

    def during_run(self, n: int, client: httpx.Client) -> None:
        for name, url in self.endpoints().items():
            load = harness.load_average()
            params = {"time_limit_s": self.args.time_limit}
            location = harness.start_run(client, self.base, self.big, **params)
            run_id = int(location.rsplit("/", 1)[1])
            deadline = time.monotonic() + 120
            while (status := self.run_status(run_id)) == "queued":
                if time.monotonic() > deadline:
                    sys.exit(f"run {run_id} still queued after 120 s")
                time.sleep(0.02)
            if status != "running":
                sys.exit(f"run {run_id} is {status} before the load started")
            result, cpu, wrk_cpu, ended_by, span = self.window(
                url, self.big.token, self.server_pid, run_id=run_id
            )
            run, _ = harness.wait_for(
                client, location, self.big.token, harness.FINISHED, every=0.2, seconds=300
            )
            if run["status"] != "succeeded":
                sys.exit(f"run {run_id} {run['status']}: {run.get('error')}")
            runtime = (run.get("metrics") or {}).get("runtime_s")
            started_at = harness.timestamp(run["started_at"])
            self.record(
                n,
                "during run",
                name,
                result,
                cpu,
                wrk_cpu,
                ended_by,
                load,
                runtime,
                span=span,
                run_started=started_at.timestamp() if started_at else None,
            )


def _setup(args: argparse.Namespace) -> str:
    pace = f", paced {args.pace_ms:g} ms" if args.pace_ms > 0 else ""
    return (
        f"wrk -t{args.threads} -c{args.connections}{pace}; {args.people:,} people, "
        f"time_limit_s {args.time_limit:g}"
    )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def table(windows: list[Window]) -> str:
    lines = [
        "| condition | endpoint | rounds | p50 ms | p99 ms | p99 min-max | max ms "
        "| req/s | window s | server cores | solver cores | wrk cores | failed |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    stalls = [
        "",
        f"Event-loop stalls of the server (lag > {STALL_MS:.0f} ms), medians over the rounds:",
        "",
        "| condition | endpoint | stalls | longest ms | stalled s |",
        "|---|---|---:|---:|---:|",
    ]
    keys = dict.fromkeys((w.condition, w.endpoint) for w in windows)
    for condition, endpoint in keys:
        rows = [w for w in windows if (w.condition, w.endpoint) == (condition, endpoint)]

        def med(name: str, rows: list[Window] = rows) -> float:
            return float(statistics.median(getattr(w, name) for w in rows))

        p99s = [w.p99_ms for w in rows]
        lines.append(
            f"| {condition} | `{endpoint}` | {len(rows)} | {med('p50_ms'):.1f} "
            f"| {med('p99_ms'):.1f} | {min(p99s):.1f}-{max(p99s):.1f} | {med('max_ms'):.0f} "
            f"| {med('requests_per_s'):,.0f} | {med('seconds'):.1f} | {med('server_cores'):.2f} "
            f"| {med('solver_cores'):.2f} | {med('wrk_cores'):.2f} "
            f"| {sum(w.failed for w in rows)} |"
        )
        if rows[0].stalls is not None:
            count = statistics.median(w.stalls or 0 for w in rows)
            stalls.append(
                f"| {condition} | `{endpoint}` | {count:g} "
                f"| {statistics.median(w.longest_stall_ms or 0 for w in rows):.0f} "
                f"| {statistics.median(w.stalled_s or 0 for w in rows):.2f} |"
            )
    if len(stalls) > 5:
        lines += stalls
    during = [w for w in windows if w.condition == "during run"]
    if during:
        worst = max(statistics.median(w.p99_ms for w in during if w.endpoint == e) for e in {
            w.endpoint for w in during})  # fmt: skip
        ended = sorted({w.ended_by for w in during})
        met = "met" if worst < TARGET_P99_MS else "NOT met"
        lines.append(
            f"\nTarget p99 < {TARGET_P99_MS:.0f} ms during a run: {met} (worst median p99 "
            f"{worst:.1f} ms; windows ended by: {', '.join(ended)})."
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10, help="load window (at most)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--time-limit", type=float, default=60, help="the run's time_limit_s")
    parser.add_argument(
        "--pace-ms",
        type=float,
        default=0,
        help="each connection waits this long after every answer (a wrk delay() script); "
        "0: as fast as the server answers",
    )
    parser.add_argument(
        "--lag-monitor",
        action="store_true",
        help="serve with benchmarks/pairing/lag_serve.py and report the loop's stalls",
    )
    parser.add_argument("--json", type=Path, help="write every window here")
    args = parser.parse_args()
    wrk.require_wrk()
    with tempfile.TemporaryDirectory(prefix="peerpear-bench-") as tmp:
        workdir = Path(tmp)
        with harness.fresh_database("sqlite", workdir, harness.DEFAULT_PG) as url:
            big = harness.seed_event(url, args.people)
            small = harness.seed_event(url, 100)
            problem = harness.write_problem(
                big, workdir / "problem.json", time_limit_s=args.time_limit
            )
            bench = Bench(args, workdir, workdir / "bench.db", big, small)
            if args.pace_ms > 0:
                script = workdir / "pace.lua"
                script.write_text(PACE_SCRIPT.format(ms=round(args.pace_ms)))
                bench.script = str(script)
            if args.lag_monitor:
                bench.lag_file = workdir / "lag.txt"
            server, bench.base = harness.serve(url, "inprocess", workdir, lag_file=bench.lag_file)
            bare, bench.bare = harness.bare_app(workdir)
            bench.server_pid, bench.bare_pid = server.pid, bare.pid
            with harness.services(server, bare), httpx.Client(timeout=300) as client:
                # Warm-up: the fork server starts with the first run; every endpoint once.
                location = harness.start_run(client, bench.base, small)
                harness.wait_for(client, location, small.token, harness.FINISHED, alive=[server])
                for url_ in [bench.bare + "/bare", *bench.endpoints().values()]:
                    token = None if url_.endswith("/bare") else big.token
                    wrk.run(url_, seconds=1, **bench.options(token))
                _say(f"{_setup(args)}, windows of {args.seconds:g} s")
                for n in range(1, args.rounds + 1):
                    bench.uptimes.append(harness.uptime())
                    _say(f"round {n}/{args.rounds}: {bench.uptimes[-1]}")
                    bench.idle(n)
                    bench.bare_with_engine(n, problem)
                    bench.during_run(n, client)
                    server.check()
            bench.uptimes.append(harness.uptime())
    print(f"\n{_setup(args)}; {args.rounds} rounds; uptime before each round and at the end:\n")
    for line in bench.uptimes:
        print(f"    {line}")
    print()
    print(table(bench.windows))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {"uptime": bench.uptimes, "windows": [asdict(w) for w in bench.windows]}, indent=1
            )
        )


if __name__ == "__main__":
    main()
