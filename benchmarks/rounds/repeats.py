"""Recurring rounds: how often a pair repeats over many rounds (issue 12, docs/benchmarks.md).

Simulates ``--rounds`` weekly rounds of ``--sizes`` people in pairs, each round solved by the
engine with the groups of every earlier round as ``history`` and the rounds' history penalty
(rounds/spec.py ROUND_HISTORY_PENALTY), exactly the settings a round's run gets
(rounds/snapshot.py). The engine is called directly, without the database: the problem is the
one the service builds, the mechanism the same.

People are the planted instances of the engine benchmarks (latent types, answers = prototype
plus 20 % noise): everyone has a few clearly best partners, the case where re-pairing is most
tempting.

Per round it reports the repeated pairs (pairs already met in an earlier round) and whether a
repeat was avoidable: it is unavoidable exactly when the pairs not yet met have no perfect
matching (networkx's maximum matching on the "not met yet" graph; for an odd number, one
matching short of perfect: the engine's trio). For pairs, n - 1 rounds without a repeat exist
(a round-robin), so within 20 rounds of 50 or 100 people a repeat is never forced by the
numbers, only by earlier rounds' choices. Figures are medians over ``--seeds`` seeds.

    uv run python -m benchmarks.rounds.repeats --sizes 50 100 --rounds 20 --seeds 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from itertools import combinations
from typing import Any

import networkx as nx

from benchmarks.engine.generate import planted_instance
from peerpear.engine import Problem, solve
from peerpear.rounds.spec import ROUND_HISTORY_PENALTY

Pair = frozenset[str]


def repeat_avoidable(ids: list[str], met: set[Pair]) -> bool:
    """Whether a pairing of ``ids`` without a pair from ``met`` exists (a trio for odd n
    counts as pairs too, so one person may be left to the trio: a near-perfect matching)."""
    graph = nx.Graph()
    graph.add_nodes_from(ids)
    graph.add_edges_from((a, b) for a, b in combinations(ids, 2) if frozenset((a, b)) not in met)
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    return len(matching) >= len(ids) // 2


def simulate(n: int, rounds: int, seed: int, penalty: float) -> dict[str, Any]:
    base = planted_instance(n, "pairs", noise=0.2, seed=seed).problem.model_dump(mode="json")
    ids = [p["id"] for p in base["participants"]]
    history: list[list[str]] = []
    met: set[Pair] = set()
    per_round: list[dict[str, Any]] = []
    for number in range(1, rounds + 1):
        avoidable = repeat_avoidable(ids, met)
        settings = {
            **base["settings"],
            "seed": seed * 1000 + number,
            "history": history,
            "history_penalty": penalty,
        }
        problem = Problem.model_validate({**base, "settings": settings})
        started = time.perf_counter()
        result = solve(problem)
        seconds = time.perf_counter() - started
        groups = [list(g.members) for g in result.groups]
        pairs = {frozenset(p) for g in groups for p in combinations(g, 2)}
        repeats = len(pairs & met)
        per_round.append(
            {
                "round": number,
                "repeats": repeats,
                "avoidable": avoidable,
                "mean_satisfaction": result.metrics.mean_satisfaction,
                "seconds": round(seconds, 3),
            }
        )
        met |= pairs
        history += groups
    unavoidable = [r["round"] for r in per_round if not r["avoidable"]]
    return {
        "n": n,
        "seed": seed,
        "penalty": penalty,
        "rounds": per_round,
        "total_repeats": sum(r["repeats"] for r in per_round),
        "avoidable_repeats": sum(r["repeats"] for r in per_round if r["avoidable"]),
        "first_repeat": next((r["round"] for r in per_round if r["repeats"]), None),
        "first_unavoidable": unavoidable[0] if unavoidable else None,
    }


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def report(n: int, runs: list[dict[str, Any]], rounds: int) -> str:
    lines = [
        f"### {n} people, {rounds} rounds, {len(runs)} seeds (medians), history_penalty "
        f"{runs[0]['penalty']:g}",
        "",
        "| round | repeated pairs | repeat avoidable | mean satisfaction | solve s |",
        "|---:|---:|---|---:|---:|",
    ]
    for i in range(rounds):
        column = [run["rounds"][i] for run in runs]
        avoidable = sum(r["avoidable"] for r in column)
        lines.append(
            f"| {i + 1} | {_median([r['repeats'] for r in column]):g} "
            f"| {avoidable}/{len(column)} seeds "
            f"| {_median([r['mean_satisfaction'] for r in column]):.3f} "
            f"| {_median([r['seconds'] for r in column]):.2f} |"
        )
    firsts = [run["first_unavoidable"] for run in runs]
    repeats = [run["first_repeat"] for run in runs]
    lines += [
        "",
        f"- repeated pairs over all rounds, per seed: {[run['total_repeats'] for run in runs]}; "
        f"while a repeat was avoidable: {[run['avoidable_repeats'] for run in runs]}",
        f"- first round with a repeat, per seed: {repeats} (None: none in {rounds} rounds)",
        f"- first round where a repeat was unavoidable, per seed: {firsts} (None: never within "
        f"{rounds} rounds; by the numbers alone, round {n if n % 2 == 0 else n + 1} at the "
        "earliest)",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--penalty",
        type=float,
        default=ROUND_HISTORY_PENALTY,
        help="history_penalty (default: the rounds' own; 0.5 is a one-off run's default)",
    )
    parser.add_argument("--json", help="also write every run here")
    args = parser.parse_args()
    everything = []
    for n in args.sizes:
        runs = [simulate(n, args.rounds, seed, args.penalty) for seed in range(args.seeds)]
        everything += runs
        print(report(n, runs, args.rounds), end="\n\n", flush=True)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(everything, out, indent=1)


if __name__ == "__main__":
    main()
