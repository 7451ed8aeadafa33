"""What the exact fallback (CP-SAT, ``engine/exact.py``) costs, on small problems that need it.

    uv run python -m benchmarks.engine.fallback --repeats 3

The fallback runs only when the fast solver's grouping breaks a hard rule (or its construction
gets stuck). Each case is built so that it must run, and says what the run should end with:

- ``either-must-pair-40``: big_little, a must-pair of two bigs and an ``either`` person, whom
  the plan puts with the bigs; the heuristic cannot place the unit, the exact model lets the
  ``either`` person be a little (a valid grouping);
- ``mentor-never-15``: a mentee who is a never-pair of every mentor (proven infeasible);
- ``twos-parity-42``: groups of exactly two, 13 fs and 11 ms under no_isolation: an odd number
  of holders cannot be split into twos (proven infeasible by the counting relaxation; the full
  model alone takes seconds: counting arguments are the hard kind for CP-SAT);
- ``isolation-200``: 200 people in groups of 4 with no_isolation on every gender value and an
  odd count of one: the same parity (the full model alone did not prove it in 20 s);
- ``pairs-isolation-1001``: 1,001 people in pairs, no lone f or m in a pair: the local search
  (which looks at the groups of each person's best matches only) leaves isolated people; without
  never-pairs the counting model is exact, at any size (a valid grouping);
- ``never-1000``: 1,000 people in 250 groups of 4 and a never-pair of 251 of them: infeasible
  (two of the 251 must share a group), but only the full model sees never-pairs and 1,000 people
  are beyond its size limit; the repair of the broken groups cannot succeed either, so the run
  ends with ``NoSolutionFound`` when its time is up (nothing proven).

Times are medians of ``--repeats`` runs in one warm process (a first run of each case is not
counted), time inside ``solve``; the first fallback of a process also pays the ortools import,
measured separately in a fresh process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from peerpear.engine import EngineError, NoSolutionFound, Problem, solve

IMPORT = "import time; t = time.perf_counter(); import ortools.sat.python.cp_model; "
IMPORT += "print(time.perf_counter() - t)"


def _problem(roles: list[str] | None, genders: list[str], **settings: Any) -> Problem:
    rng = np.random.default_rng(0)
    questions = [
        {"id": "hobby", "type": "single_choice"},
        {"id": "energy", "type": "scale", "min": 1, "max": 5},
    ]
    people = []
    for i, gender in enumerate(genders):
        person: dict[str, Any] = {
            "id": f"p{i}",
            "answers": {"hobby": str(rng.integers(4)), "energy": int(rng.integers(1, 6))},
            "attributes": {"gender": gender},
        }
        if roles is not None:
            person["role"] = roles[i]
        people.append(person)
    return Problem.model_validate(
        {"questions": questions, "participants": people, "settings": settings}
    )


def either_must_pair() -> Problem:
    roles = ["big"] * 10 + ["little"] * 20 + ["either"] * 10
    return _problem(
        roles, ["x"] * 40, mode="big_little", group_size=4, must_pair=[["p0", "p1", "p30"]]
    )


def mentor_never() -> Problem:
    roles = ["mentor"] * 5 + ["mentee"] * 10
    never = [["p5", f"p{m}"] for m in range(5)]
    return _problem(roles, ["x"] * 15, mode="mentor", capacity=2, never_pair=never)


def _isolating(values: str) -> list[dict[str, str]]:
    return [{"attribute": "gender", "value": v} for v in values]


def twos_parity() -> Problem:
    genders = ["f"] * 13 + ["m"] * 11 + ["x"] * 18
    return _problem(
        None, genders, mode="groups", min_size=2, max_size=2, no_isolation=_isolating("fm")
    )


def isolation_200() -> Problem:
    genders = ["f"] * 67 + ["m"] * 67 + ["x"] * 66
    return _problem(None, genders, mode="groups", group_size=4, no_isolation=_isolating("fmx"))


def pairs_isolation_1001() -> Problem:
    genders = [str(g) for g in np.random.default_rng(1).choice(["f", "m", "x"], size=1001)]
    genders[:3] = ["f", "f", "f"]  # odd counts: the trio can take three fs
    if genders.count("f") % 2 == 0:
        genders[3] = "f" if genders[3] != "f" else "x"
    if genders.count("m") % 2:
        genders[genders.index("m")] = "x"
    return _problem(None, genders, mode="pairs", no_isolation=_isolating("fm"))


def never_1000() -> Problem:
    never = [[f"p{i}" for i in range(251)]]
    return _problem(None, ["x"] * 1000, mode="groups", group_size=4, never_pair=never)


CASES: dict[str, Callable[[], Problem]] = {
    "either-must-pair-40": either_must_pair,
    "mentor-never-15": mentor_never,
    "twos-parity-42": twos_parity,
    "isolation-200": isolation_200,
    "pairs-isolation-1001": pairs_isolation_1001,
    "never-1000": never_1000,
}


def run(problem: Problem) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        outcome = f"valid ({solve(problem).metrics.solver})"
    except (EngineError, NoSolutionFound) as err:  # Infeasible, or not found in time
        outcome = f"{type(err).__name__}: {err}"
    return time.perf_counter() - started, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    imported = subprocess.run(
        [sys.executable, "-c", IMPORT], capture_output=True, text=True, check=True
    )
    print(f"ortools import in a fresh process: {float(imported.stdout):.2f} s")
    print("| case | n | outcome | time s (median) | load |")
    print("|---|---|---|---|---|")
    for name, build in CASES.items():
        problem = build()
        run(problem)  # warm-up: imports, caches
        times, outcome = [], ""
        for _ in range(args.repeats):
            seconds, outcome = run(problem)
            times.append(seconds)
        load = os.getloadavg()[0]
        n = len(problem.participants)
        print(f"| {name} | {n} | {outcome} | {statistics.median(times):.3f} | {load:.1f} |")


if __name__ == "__main__":
    main()
