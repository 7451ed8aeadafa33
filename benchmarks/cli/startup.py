"""Wall time of `peerpear` commands from a cold process, against references timed in the same run.

    uv run python -m benchmarks.cli.startup [--runs 9] [--people 500] [--json FILE]
        [--baseline OTHER_CHECKOUT/.venv/bin/python]

Generates a form export of `--people` respondents with choice and scale questions (and the same
problem as JSON), then times, round-robin so that load spikes hit every command alike:
`python -c pass`, `python -c "import numpy"`, an import of the libraries the `pair` path cannot
do without (typer, rich, pydantic, numpy, scipy.sparse.csgraph, scipy.optimize: its floor),
`peerpear --help`, `peerpear pair --help`, `peerpear pair people.csv` and
`peerpear pair people.json`. Reported: median and minimum wall time per command, the median as
a ratio of the `import numpy` reference, and the median CPU time (user + system), which on a
shared machine is the steadier figure: wall time there includes waiting for a core. With
`--baseline`, the `peerpear` commands of another environment (an older checkout with its own
`.venv`) are timed in the same rounds, for a before/after comparison under the same load.

Two bytecode conditions, because they dominate start-up:
- `as installed`: the environment as it is. uv installs packages without compiling them, and
  with PYTHONDONTWRITEBYTECODE=1 (set on this project's machines) no `.pyc` is ever written, so
  every start compiles every imported module of every package again.
- `bytecode cached`: a fresh PYTHONPYCACHEPREFIX that Python may write to, filled by one untimed
  run of each command: what a pip install, `uv sync --compile-bytecode` or any machine without
  PYTHONDONTWRITEBYTECODE gives from the second start on.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGET_S = 2.0  # issue 7: `peerpear pair` on 500 people with choice and scale questions
CPU = " (cpu)"  # suffix of the CPU-time series in the results
HOBBIES = ["Hiking", "Gaming", "Cooking", "Reading", "Music", "Sports", "Art", "Travel", "Film"]
MAJORS = ["Biology", "Chemistry", "Computer Science", "Economics", "History", "Mathematics"]
YEARS = ["2026", "2027", "2028", "2029"]
PAIR_LIBRARIES = "import typer, rich.table, pydantic, numpy, scipy.sparse.csgraph, scipy.optimize"


@dataclass(frozen=True)
class Command:
    name: str
    argv: list[str]


def write_inputs(folder: Path, people: int, seed: int = 0) -> tuple[Path, Path]:
    """A Google-Forms-like export and the same problem as JSON (pairs mode)."""
    rng = random.Random(seed)
    header = ["Timestamp", "Email Address", "Your name", "Class year", "Major"]
    header += ["What are your hobbies?", "How outgoing are you?", "Study hours per day"]
    rows = []
    for i in range(people):
        hobbies = ", ".join(sorted(rng.sample(HOBBIES, 3), key=HOBBIES.index))
        scales = [str(rng.randint(1, 5)), str(rng.randint(1, 7))]
        person = ["2026/09/01 10:00", f"s{i}@example.edu", f"Student {i}", rng.choice(YEARS)]
        rows.append([*person, rng.choice(MAJORS), hobbies, *scales])
    csv_path = folder / "people.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    questions = [
        {"id": "year", "type": "single_choice", "options": YEARS},
        {"id": "major", "type": "single_choice", "options": MAJORS},
        {"id": "hobbies", "type": "multi_choice", "options": HOBBIES},
        {"id": "outgoing", "type": "scale", "min": 1, "max": 5},
        {"id": "study", "type": "scale", "min": 1, "max": 7},
    ]
    participants = [
        {
            "id": row[1],
            "name": row[2],
            "answers": {
                "year": row[3],
                "major": row[4],
                "hobbies": row[5].split(", "),
                "outgoing": int(row[6]),
                "study": int(row[7]),
            },
        }
        for row in rows
    ]
    json_path = folder / "people.json"
    problem = {"questions": questions, "participants": participants, "settings": {}}
    json_path.write_text(json.dumps(problem), encoding="utf-8")
    return csv_path, json_path


def commands(csv_path: Path, json_path: Path, baseline: str | None) -> list[Command]:
    python = sys.executable
    references = [
        Command("python -c pass", [python, "-c", "pass"]),
        Command("python -c 'import numpy'", [python, "-c", "import numpy"]),
        # The floor of `pair` on these questions: the libraries its code path cannot do without.
        Command("python -c 'import <pair's libraries>'", [python, "-c", PAIR_LIBRARIES]),
    ]
    timed = references + peerpear_commands(python, "", csv_path, json_path)
    if baseline is not None:
        timed += peerpear_commands(baseline, "baseline: ", csv_path, json_path)
    return timed


def peerpear_commands(python: str, prefix: str, csv_path: Path, json_path: Path) -> list[Command]:
    """The `peerpear` commands of the environment of `python` (its entry script if installed)."""
    script = Path(python).with_name("peerpear")
    peerpear = [str(script)] if script.exists() else [python, "-m", "peerpear.cli"]
    pair = [*peerpear, "pair"]
    return [
        Command(f"{prefix}peerpear --help", [*peerpear, "--help"]),
        Command(f"{prefix}peerpear pair --help", [*pair, "--help"]),
        Command(f"{prefix}peerpear pair people.csv", [*pair, str(csv_path), "--show", "5"]),
        Command(f"{prefix}peerpear pair people.json", [*pair, str(json_path), "--show", "5"]),
    ]


def run_once(command: Command, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command.argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{command.name} failed ({done.returncode}): {done.stderr.decode()}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu


def measure(cmds: Sequence[Command], env: dict[str, str], runs: int) -> dict[str, list[float]]:
    """Per command: wall times under its name, CPU times under NAME + CPU."""
    times: dict[str, list[float]] = {}
    for _ in range(runs):
        for command in cmds:  # round-robin: a load spike costs every command a run alike
            wall, cpu = run_once(command, env)
            times.setdefault(command.name, []).append(wall)
            times.setdefault(command.name + CPU, []).append(cpu)
    return times


def conditions(cache: Path) -> dict[str, dict[str, str]]:
    installed = dict(os.environ)
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = str(cache)
    return {"as installed": installed, "bytecode cached": cached}


def has_bytecode(module: str) -> bool:
    """Whether an installed package ships compiled bytecode next to its sources."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    origin = Path(spec.origin) if spec and spec.origin else None
    return origin is not None and any((origin.parent / "__pycache__").glob("*.pyc"))


def report(results: dict[str, dict[str, list[float]]], people: int) -> str:
    lines = [
        "| condition | command | wall median s | wall min s | ratio to `import numpy` "
        "| cpu median s |",
        "|---|---|---:|---:|---:|---:|",
    ]
    verdicts = []
    for condition, times in results.items():
        reference = statistics.median(times["python -c 'import numpy'"])
        for name, samples in times.items():
            if name.endswith(CPU):
                continue
            median, cpu = statistics.median(samples), statistics.median(times[name + CPU])
            lines.append(
                f"| {condition} | `{name}` | {median:.3f} | {min(samples):.3f} "
                f"| {median / reference:.2f} | {cpu:.3f} |"
            )
        name = "peerpear pair people.csv"
        wall, cpu = statistics.median(times[name]), statistics.median(times[name + CPU])
        met = "met" if wall <= TARGET_S else "NOT met"
        verdicts.append(
            f"{condition}: pair on {people} people {wall:.2f} s wall ({met}: <= {TARGET_S} s), "
            f"{cpu:.2f} s cpu"
        )
    return "\n".join([*lines, "", *verdicts])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per command (median)")
    parser.add_argument("--people", type=int, default=500, help="respondents in the input")
    parser.add_argument("--json", type=Path, help="also write the raw times here")
    parser.add_argument(
        "--baseline",
        metavar="PYTHON",
        help="also time the peerpear of this interpreter's environment (e.g. an older checkout)",
    )
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="peerpear-startup-"))
    try:
        csv_path, json_path = write_inputs(folder, args.people)
        cmds = commands(csv_path, json_path, args.baseline)
        results: dict[str, dict[str, list[float]]] = {}
        load: list[float] = [os.getloadavg()[0]]
        for condition, env in conditions(folder / "pycache").items():
            for command in cmds:  # warm-up: page cache, and the bytecode cache when allowed
                run_once(command, env)
            results[condition] = measure(cmds, env, args.runs)
            load.append(os.getloadavg()[0])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(report(results, args.people))
    print(
        f"\n{args.runs} runs per command; numpy ships bytecode: {has_bytecode('numpy')}; "
        f"1-minute load average {min(load):.1f}-{max(load):.1f} on {os.cpu_count()} cores"
    )
    if args.json:
        meta: dict[str, Any] = {"people": args.people, "runs": args.runs, "load": load}
        args.json.write_text(json.dumps({"meta": meta, "times": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
