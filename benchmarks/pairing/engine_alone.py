"""The reference: the engine alone on a run's problem, in a warm process.

    python -m benchmarks.pairing.engine_alone PROBLEM.json [...] --repeats 3

For each problem file (the JSON a run hands the engine, written by harness.write_problem) it
solves a 12-person part of it once (so imports and first-call costs are paid, as in a running
server's solver), then times ``solve(parse_problem(problem))`` ``--repeats`` times; one JSON
line per solve on stdout: wall and CPU seconds of this process, and the engine's own
``metrics.runtime_s``. With ``--announce`` it prints ``solving`` (flushed) just before each
timed solve, for a caller that loads a server meanwhile. With ``--cold`` there is no warm-up:
the first solve is then what a run's solver process does, which starts with the engine's
modules imported (the fork server preloads them) and nothing else.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from peerpear.engine.problem import parse_problem
from peerpear.engine.solve import solve

WARM_UP_PEOPLE = 12


def _part(problem: dict[str, Any], people: int) -> dict[str, Any]:
    participants = problem["participants"][:people]
    ids = {p["id"] for p in participants}
    settings = dict(problem["settings"])
    for rule in ("must_pair", "never_pair"):
        settings[rule] = [pair for pair in settings.get(rule, []) if set(pair) <= ids]
    settings["history"] = []
    return {**problem, "participants": participants, "settings": settings}


def timed_solve(problem: dict[str, Any]) -> dict[str, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = solve(parse_problem(problem))
    return {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "runtime_s": result.metrics.runtime_s,
        "people": len(problem["participants"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("problems", nargs="+", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--announce", action="store_true")
    parser.add_argument("--cold", action="store_true", help="no warm-up solve")
    args = parser.parse_args()
    warm = args.cold
    for path in args.problems:
        problem = json.loads(path.read_text())
        if not warm:
            timed_solve(_part(problem, WARM_UP_PEOPLE))
            warm = True
        for _ in range(args.repeats):
            if args.announce:
                print("solving", flush=True)
            line = {"problem": str(path), **timed_solve(problem)}
            print(json.dumps(line), flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
