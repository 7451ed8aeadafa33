"""Time from POST to succeeded for pairing runs of 100, 1,000 and 10,000 people.

    python -m benchmarks.pairing.timing                          # every backend, 3 runs per size
    python -m benchmarks.pairing.timing --backend sqlite --runs 5 --sizes 100,10000

Per backend: a fresh database migrated with `peerpear db upgrade` (a SQLite file, or a new
PostgreSQL database dropped afterwards), one event per size written in bulk
(tests/jobs/bulk.py), then the reference: the engine alone on each event's problem in a warm
process (benchmarks/pairing/engine_alone.py), while nothing else of ours runs. Then
`peerpear serve` (and, for procrastinate, one `peerpear worker`), one warm-up run that is
reported apart (the first run after start also starts the solver's fork server), and
``--runs`` rounds of one run per size: POST, then GET the `Location` every ``--poll`` seconds
until the run has finished. Medians per size.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.pairing import harness
from benchmarks.pairing.harness import BACKENDS, Backend, Seeded


@dataclass(frozen=True)
class Timed:
    backend: str
    people: int
    wall_s: float  # POST sent -> the answer saying "succeeded" received
    post_s: float  # the POST's own latency
    last_get_s: float  # the GET that saw it finished (it carries the groups)
    queue_s: float | None  # created_at -> started_at (server clock)
    server_s: float | None  # created_at -> finished_at
    runtime_s: float | None  # the engine's metrics.runtime_s, in the run
    same_input: bool  # the run's input fingerprint is the problem the reference solved
    attempts: int
    load: float


@dataclass(frozen=True)
class Reference:
    people: int
    wall_s: float
    cpu_s: float
    runtime_s: float
    cold: bool  # the first solve of a process (as in a run's solver process), else warm


def engine_alone(paths: list[Path], repeats: int, *, cold: bool = False) -> list[Reference]:
    """Warm: one process solves each problem ``repeats`` times after a warm-up. Cold: one
    fresh process per solve, without warm-up."""
    batches = [[path] for path in paths for _ in range(repeats)] if cold else [paths]
    refs = []
    for batch in batches:
        done = subprocess.run(
            [harness.PYTHON, "-m", "benchmarks.pairing.engine_alone", *map(str, batch)]
            + (["--repeats", "1", "--cold"] if cold else ["--repeats", str(repeats)]),
            cwd=harness.ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        for line in done.stdout.splitlines():
            row = json.loads(line)
            refs.append(
                Reference(row["people"], row["wall_s"], row["cpu_s"], row["runtime_s"], cold)
            )
    return refs


def one_run(
    client: httpx.Client,
    base: str,
    backend: Backend,
    seeded: Seeded,
    poll: float,
    alive: list[harness.Service],
) -> Timed:
    load = harness.load_average()
    started = time.monotonic()
    location = harness.start_run(client, base, seeded)
    posted = time.monotonic()
    while True:
        before = time.monotonic()
        run = harness.read_run(client, location, seeded.token)
        seen = time.monotonic()
        if run["status"] in harness.FINISHED:
            break
        for service in alive:
            service.check()
        if seen - started > 900:
            sys.exit(f"run {location} still {run['status']} after 900 s")
        time.sleep(max(0.0, poll - (time.monotonic() - before)))
    if run["status"] != "succeeded":
        sys.exit(f"run {location} {run['status']}: {run.get('error')}")
    metrics = run.get("metrics") or {}
    return Timed(
        backend=backend.name,
        people=seeded.people,
        wall_s=seen - started,
        post_s=posted - started,
        last_get_s=seen - before,
        queue_s=harness.seconds_between(run["created_at"], run["started_at"]),
        server_s=harness.seconds_between(run["created_at"], run["finished_at"]),
        runtime_s=metrics.get("runtime_s"),
        same_input=run["input_fingerprint"] == seeded.fingerprint,
        attempts=run["attempts"],
        load=max(load, harness.load_average()),
    )


def bench(
    backend: Backend, args: argparse.Namespace
) -> tuple[list[Timed], list[Timed], list[Reference]]:
    """(measured runs, warm-up runs, reference solves) of one backend."""
    with tempfile.TemporaryDirectory(prefix="peerpear-bench-") as tmp:
        workdir = Path(tmp)
        with harness.fresh_database(backend.database, workdir, args.pg_url) as url:
            events = [harness.seed_event(url, people) for people in args.sizes]
            paths = [harness.write_problem(s, workdir / f"problem-{s.people}.json") for s in events]
            _say(f"{backend.name}: events written; the engine alone ({args.reference_repeats}x)")
            refs = engine_alone(paths, args.reference_repeats)
            refs += engine_alone(paths, args.reference_repeats, cold=True)
            server, base = harness.serve(url, backend.jobs, workdir)
            started = [server]
            if backend.jobs == "procrastinate":
                started.append(harness.worker(url, workdir))
            timed: list[Timed] = []
            warm: list[Timed] = []
            with harness.services(*started), httpx.Client(timeout=300) as client:
                warm.append(one_run(client, base, backend, events[0], args.poll, started))
                _say(f"{backend.name}: warm-up run {warm[-1].wall_s:.2f} s")
                for n in range(1, args.runs + 1):
                    for seeded in events:
                        timed.append(one_run(client, base, backend, seeded, args.poll, started))
                        t = timed[-1]
                        _say(
                            f"{backend.name} round {n}/{args.runs}: {t.people} people "
                            f"{t.wall_s:.2f} s (engine {t.runtime_s or 0:.2f} s, "
                            f"load {t.load:.1f})"
                        )
            return timed, warm, refs


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(timed: list[Timed], warm: list[Timed], refs: list[Reference]) -> str:
    lines = [
        "| backend | people | runs | wall s (POST -> succeeded) | min-max | queue wait s "
        "| created -> finished s | engine in run (`runtime_s`) | server - `runtime_s` "
        "| wall - `runtime_s` "
        "| engine alone, warm s | wall / engine alone | engine alone, first solve s "
        "| last GET s | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for backend in dict.fromkeys(t.backend for t in timed):
        for people in dict.fromkeys(t.people for t in timed):
            rows = [t for t in timed if t.backend == backend and t.people == people]
            ref = [r for r in refs if r.people == people]
            wall = statistics.median(t.wall_s for t in rows)
            runtime = _median([t.runtime_s for t in rows])
            server = _median(
                [
                    t.server_s - t.runtime_s
                    for t in rows
                    if t.server_s is not None and t.runtime_s is not None
                ]
            )
            alone = _median([r.wall_s for r in ref if not r.cold])
            cold = _median([r.wall_s for r in ref if r.cold])
            lines.append(
                f"| {backend} | {people:,} | {len(rows)} | {wall:.2f} "
                f"| {min(t.wall_s for t in rows):.2f}-{max(t.wall_s for t in rows):.2f} "
                f"| {_fmt(_median([t.queue_s for t in rows]))} "
                f"| {_fmt(_median([t.server_s for t in rows]))} | {_fmt(runtime)} "
                f"| {_fmt(server)} "
                f"| {_fmt(None if runtime is None else wall - runtime)} | {_fmt(alone)} "
                f"| {_fmt(None if alone is None else wall / alone, 1)}x | {_fmt(cold)} "
                f"| {_fmt(_median([t.last_get_s for t in rows]), 3)} "
                f"| {min(t.load for t in rows):.1f}-{max(t.load for t in rows):.1f} |"
            )
    for t in warm:
        lines.append(
            f"\n{t.backend}: the first run after start ({t.people} people) took {t.wall_s:.2f} s "
            f"(engine {_fmt(t.runtime_s)} s)."
        )
    mismatched = [t for t in timed if not t.same_input]
    if mismatched:
        lines.append(f"\n{len(mismatched)} run(s) saw other inputs than the reference solved.")
    retried = [t for t in timed if t.attempts != 1]
    if retried:
        lines.append(f"\n{len(retried)} run(s) took more than one attempt.")
    return "\n".join(lines)


def render(saved: dict[str, Any]) -> None:
    for name, data in saved["backends"].items():
        print(f"\n{BACKENDS[name].label}\n")
        print(
            table(
                [Timed(**row) for row in data["runs"]],
                [Timed(**row) for row in data["warm_up"]],
                [Reference(**row) for row in data["engine_alone"]],
            )
        )
    print(f"\n{saved['uptime_start']}\n{saved['uptime_end']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--backend",
        action="append",
        choices=sorted(BACKENDS),
        help="sqlite, pg-procrastinate, pg-inprocess (repeatable; default: all three)",
    )
    parser.add_argument("--sizes", default="100,1000,10000", help="people per event")
    parser.add_argument("--runs", type=int, default=3, help="runs per size (medians)")
    parser.add_argument("--reference-repeats", type=int, default=3)
    parser.add_argument("--poll", type=float, default=0.1, help="seconds between GETs")
    parser.add_argument("--pg-url", default=harness.DEFAULT_PG)
    parser.add_argument("--json", type=Path, help="write every measurement here")
    parser.add_argument("--render", type=Path, help="print the tables of an earlier --json")
    args = parser.parse_args()
    if args.render:
        render(json.loads(args.render.read_text()))
        return
    args.sizes = [int(s) for s in args.sizes.split(",")]
    names = args.backend or ["sqlite", "pg-procrastinate", "pg-inprocess"]
    _say(f"{harness.uptime()}")
    everything: dict[str, Any] = {"uptime_start": harness.uptime(), "backends": {}}
    timed: list[Timed] = []
    warm: list[Timed] = []
    for name in names:
        measured, warmed, refs = bench(BACKENDS[name], args)
        timed += measured
        warm += warmed
        everything["backends"][name] = {
            "runs": [asdict(t) for t in measured],
            "warm_up": [asdict(t) for t in warmed],
            "engine_alone": [asdict(r) for r in refs],
        }
        print(f"\n{BACKENDS[name].label}\n")
        print(table(measured, warmed, refs), flush=True)
    everything["uptime_end"] = harness.uptime()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(everything, indent=1))
    _say(everything["uptime_end"])


if __name__ == "__main__":
    main()
