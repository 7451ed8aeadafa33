"""Run PeerPear and the reference methods side by side on the same instances.

    uv run python -m benchmarks.engine.compare                     # every target of issue 3
    uv run python -m benchmarks.engine.compare --case pairs-1000 --repeats 5
    uv run python -m benchmarks.engine.compare --modes pairs,groups --sizes 100,1000 --noise 0.3

Each (case, method, repeat) runs in a fresh worker process that rebuilds the instance from the
case's seed, so imports and caches of one method never help another and the peak resident memory
(ru_maxrss) belongs to that run alone. Time is measured around the method only; the references
get the affinity matrix precomputed (not timed), while PeerPear's time includes computing it.
Quality is scored by one function for all methods (see baselines.score).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.console import Console

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.engine.cases import RESULTS, Case, grid_cases, instance_digest, target_cases
from benchmarks.engine.generate import MissingData, require_bfi_csv
from benchmarks.engine.report import render_markdown, render_tables


@dataclass(frozen=True)
class RunOptions:
    repeats: int  # PeerPear runs per case (the median is reported)
    reference_repeats: int  # runs of the cheap references
    networkx_repeats: int
    timeout: float
    networkx_timeout: float
    reuse_networkx: bool

    def runs_of(self, method: str) -> int:
        if method.startswith("peerpear"):
            return self.repeats
        return {"networkx": self.networkx_repeats, "planted": 1}.get(method, self.reference_repeats)


def run_worker(case: Case, method: str, timeout: float) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.engine.worker", json.dumps(case.to_json()), method]
    root = Path(__file__).resolve().parents[2]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=root, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:g} s", "timeout_s": timeout}
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        return {"error": lines[-1]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def cache_path(case: Case, method: str) -> Path:
    return RESULTS / "cache" / f"{case.name}-{method}-{instance_digest(case)}.json"


def run_case(case: Case, options: RunOptions, console: Console) -> dict[str, Any]:
    """Run every method of the case, each run in a fresh process, on the same instance."""
    methods: dict[str, Any] = {}
    extra = ("planted",) if case.source == "planted" else ()
    for method in (*case.methods, *extra):
        times = options.runs_of(method)
        slow = method == "networkx"
        cached = cache_path(case, method)
        if slow and options.reuse_networkx and cached.exists():
            # Minutes to hours per run: an identical instance (same generator, seed, size) is
            # reused, timeouts included.
            console.print(f"  {case.name}: {method} reused from {cached}", style="dim")
            methods[method] = {**summarize(json.loads(cached.read_text())), "reused": True}
            continue
        runs = []
        for attempt in range(times):
            console.print(f"  {case.name}: {method} run {attempt + 1}/{times}", style="dim")
            run = run_worker(case, method, options.networkx_timeout if slow else options.timeout)
            runs.append(run)
            if "error" in run:
                break
        if slow:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_text(json.dumps(runs))
        methods[method] = summarize(runs)
    return {"case": case.to_json(), "methods": methods}


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians of time and peak memory; quality from the first run (methods are seeded)."""
    errors = [run["error"] for run in runs if "error" in run]
    if errors:
        timeouts = [run["timeout_s"] for run in runs if "timeout_s" in run]
        return {
            "error": errors[0],
            "runs": len(runs),
            **({"timeout_s": timeouts[0]} if timeouts else {}),
        }
    first = runs[0]
    return {
        **first,
        "runs": len(runs),
        "time_s": statistics.median(run["time_s"] for run in runs),
        "times_s": [run["time_s"] for run in runs],
        "peak_mb": statistics.median(run["peak_mb"] for run in runs),
        **(
            {"cpu_s": statistics.median(run["cpu_s"] for run in runs)}
            if all("cpu_s" in run for run in runs)
            else {}
        ),
    }


def engine_version() -> str:
    """ENGINE_VERSION and the commit, so results from different code are never mixed up."""
    from peerpear.engine import ENGINE_VERSION

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=root
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "src"], capture_output=True, text=True, cwd=root
    )
    commit = done.stdout.strip() or "unknown"
    return f"{ENGINE_VERSION} at {commit}" + (
        " (uncommitted changes in src)" if dirty.stdout else ""
    )


def text_embedder_label() -> str:
    """The embedder the workers will use (auto resolved) and its model."""
    from peerpear.text_embedding import TextEmbedding

    text = TextEmbedding.from_env()
    if not text.semantic:
        return "tfidf"
    from peerpear.engine.semantic import installed, model_id

    return f"semantic ({model_id()})" if installed() else "semantic (not installed)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", action="append", default=[], help="run only these target cases")
    parser.add_argument("--methods", help="comma-separated subset of methods to run")
    parser.add_argument("--modes", help="custom grid: comma-separated modes (needs --sizes)")
    parser.add_argument("--sizes", help="custom grid: comma-separated participant counts")
    parser.add_argument("--noise", type=float, default=0.2, help="custom grid: planted noise")
    parser.add_argument(
        "--no-text", action="store_true", help="planted instances without the free-text question"
    )
    parser.add_argument("--repeats", type=int, default=3, help="PeerPear runs per case (median)")
    parser.add_argument("--reference-repeats", type=int, default=1, help="runs per reference")
    parser.add_argument("--networkx-repeats", type=int, default=1, help="runs of networkx")
    parser.add_argument("--networkx-timeout", type=float, default=1800, help="seconds per run")
    parser.add_argument(
        "--reuse-networkx", action="store_true", help="reuse cached networkx runs of same case"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    parser.add_argument(
        "--embedder",
        choices=("auto", "semantic", "tfidf"),
        help="text embedder of the runs (default: PEERPEAR_TEXT_EMBEDDER, else auto: the "
        "semantic one when installed)",
    )
    parser.add_argument("--json", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--markdown", type=Path, help="also write the tables as markdown here")
    parser.add_argument("--list", action="store_true", help="list the target cases and exit")
    parser.add_argument("--render", type=Path, help="only render the tables of a saved JSON")
    args = parser.parse_args(argv)
    console = Console()
    if args.render:
        saved = json.loads(args.render.read_text())
        render_tables(console, saved)
        if args.markdown:
            args.markdown.write_text(render_markdown(saved))
        return 0
    options = RunOptions(
        args.repeats,
        args.reference_repeats,
        args.networkx_repeats,
        args.timeout,
        args.networkx_timeout,
        args.reuse_networkx,
    )

    if args.modes or args.sizes:
        if not (args.modes and args.sizes):
            parser.error("--modes and --sizes go together")
        sizes = [int(size) for size in args.sizes.split(",")]
        cases = grid_cases(args.modes.split(","), sizes, args.noise)
    else:
        cases = target_cases()
        if args.case:
            unknown = set(args.case) - {case.name for case in cases}
            if unknown:
                parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
            cases = [case for case in cases if case.name in args.case]
    if args.methods:
        keep = args.methods.split(",")
        cases = [
            replace(case, methods=tuple(m for m in case.methods if m in keep)) for case in cases
        ]
    if args.no_text:
        cases = [
            replace(case, name=f"{case.name}-notext", text=False)
            for case in cases
            if case.source == "planted"
        ]
    if not args.list and any(case.source == "bfi" for case in cases):
        try:
            require_bfi_csv()
        except MissingData as exc:
            parser.error(str(exc))
    if args.list:
        for case in cases:
            console.print(f"{case.name:24} {case.target}")
        return 0

    if args.embedder:  # the workers inherit it
        os.environ["PEERPEAR_TEXT_EMBEDDER"] = args.embedder
    results = []
    version = engine_version() + f", text: {text_embedder_label()}"
    for case in cases:
        console.print(f"[bold]{case.name}[/]: {case.target}")
        results.append({**run_case(case, options, console), "engine": version})
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))  # keep partial results
    render_tables(console, results)
    if args.markdown:
        args.markdown.write_text(render_markdown(results))
    console.print(f"results in {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
