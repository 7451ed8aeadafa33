"""Wall time of `peerpear` commands from a cold process, against references timed in the same run.

    uv run python -m benchmarks.cli.startup [--runs 9] [--people 500] [--json FILE]

Generates a form export of `--people` respondents with choice and scale questions (and the same
problem as JSON), then times, round-robin so that load spikes hit every command alike:
`python -c pass`, `python -c "import numpy"`, `peerpear --help`, `peerpear pair --help`,
`peerpear pair people.csv` and `peerpear pair people.json`. Reported: median and minimum wall
time per command, and the median as a ratio of the `import numpy` reference.

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
HOBBIES = ["Hiking", "Gaming", "Cooking", "Reading", "Music", "Sports", "Art", "Travel", "Film"]
MAJORS = ["Biology", "Chemistry", "Computer Science", "Economics", "History", "Mathematics"]
YEARS = ["2026", "2027", "2028", "2029"]


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


def commands(csv_path: Path, json_path: Path) -> list[Command]:
    python = sys.executable
    script = Path(python).with_name("peerpear")
    peerpear = [str(script)] if script.exists() else [python, "-m", "peerpear.cli"]
    return [
        Command("python -c pass", [python, "-c", "pass"]),
        Command("python -c 'import numpy'", [python, "-c", "import numpy"]),
        Command("peerpear --help", [*peerpear, "--help"]),
        Command("peerpear pair --help", [*peerpear, "pair", "--help"]),
        Command("peerpear pair people.csv", [*peerpear, "pair", str(csv_path), "--show", "5"]),
        Command("peerpear pair people.json", [*peerpear, "pair", str(json_path), "--show", "5"]),
    ]


def run_once(command: Command, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        command.argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{command.name} failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed


def measure(cmds: Sequence[Command], env: dict[str, str], runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {c.name: [] for c in cmds}
    for _ in range(runs):
        for command in cmds:  # round-robin: a load spike costs every command a run alike
            times[command.name].append(run_once(command, env))
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
        "| condition | command | median s | min s | ratio to `import numpy` |",
        "|---|---|---:|---:|---:|",
    ]
    verdicts = []
    for condition, times in results.items():
        reference = statistics.median(times["python -c 'import numpy'"])
        for name, samples in times.items():
            median = statistics.median(samples)
            lines.append(
                f"| {condition} | `{name}` | {median:.3f} | {min(samples):.3f} "
                f"| {median / reference:.2f} |"
            )
        pair = statistics.median(times["peerpear pair people.csv"])
        met = "met" if pair <= TARGET_S else "NOT met"
        verdicts.append(f"{condition}: pair on {people} people {pair:.2f} s ({met}: <= {TARGET_S})")
    return "\n".join([*lines, "", *verdicts])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per command (median)")
    parser.add_argument("--people", type=int, default=500, help="respondents in the input")
    parser.add_argument("--json", type=Path, help="also write the raw times here")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="peerpear-startup-"))
    try:
        csv_path, json_path = write_inputs(folder, args.people)
        cmds = commands(csv_path, json_path)
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
