"""One benchmark run in a fresh process: build the case's instance, run one method, score it.

Invoked by compare.py as `python -m benchmarks.engine.worker CASE_JSON METHOD`; prints one JSON
line. Peak memory is read right after the method returns, before scoring allocates anything.
Text answers are embedded as a pairing run embeds them: PEERPEAR_TEXT_EMBEDDER (compare.py's
``--embedder``; default auto, the semantic model when installed), with no vector cache, so
every run embeds every answer.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from dataclasses import asdict, replace
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

from benchmarks.engine.baselines import (
    F32,
    Groups,
    check_partition,
    greedy_groups,
    greedy_pairs,
    leaders_and_followers,
    random_grouping,
    score,
)
from benchmarks.engine.cases import RESULTS, Case, instance_digest
from peerpear.engine import Embedder, Problem, compute_affinity, solve
from peerpear.engine.embedding import embedder_name
from peerpear.text_embedding import TextEmbedding

REFERENCES = ("networkx", "scipy-lsa", "greedy", "random", "planted", "assignment-bound")


def text_embedder(problem: Problem) -> Embedder:
    """The embedder a pairing run would use here, without the vector cache."""
    choice = TextEmbedding.from_env().choice
    return TextEmbedding(choice, cache_dir=None).embedder(problem.settings.seed)


def run_peerpear(problem: Problem, objective: str) -> tuple[Groups, dict[str, Any]]:
    settings = problem.settings.model_copy(update={"objective": objective})
    embedder = text_embedder(problem)
    result = solve(problem.model_copy(update={"settings": settings}), embedder=embedder)
    index = {p.id: i for i, p in enumerate(problem.participants)}
    groups = [[index[m] for m in group.members] for group in result.groups]
    info = {
        "valid": result.validation.ok,
        "solver": result.metrics.solver,
        "engine_runtime_s": result.metrics.runtime_s,
        "proven_optimal": result.metrics.proven_optimal,
        "text_embedder": embedder_name(embedder),
    }
    return groups, info


def run_networkx(affinity: F32) -> tuple[Groups, float]:
    """Exact maximum-weight matching on the complete graph; the time excludes building it."""
    n = len(affinity)
    graph = nx.Graph()
    rows, cols = np.triu_indices(n, 1)
    graph.add_weighted_edges_from(
        zip(rows.tolist(), cols.tolist(), affinity[rows, cols].astype(float).tolist(), strict=True)
    )
    del rows, cols
    started = time.perf_counter()
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    elapsed = time.perf_counter() - started
    groups = [sorted((int(a), int(b))) for a, b in matching]
    matched = {i for pair in groups for i in pair}
    for odd in (i for i in range(n) if i not in matched):  # odd n: the last one joins a pair
        best = max(range(len(groups)), key=lambda g: float(affinity[odd, groups[g]].mean()))
        groups[best].append(odd)
    return groups, elapsed


def run_lsa(problem: Problem, affinity: F32) -> Groups:
    leaders, followers = leaders_and_followers(problem)
    if len(leaders) != len(followers):
        raise ValueError("linear_sum_assignment here needs equal sides")
    rows, cols = linear_sum_assignment(affinity[np.ix_(leaders, followers)], maximize=True)
    return [[leaders[r], followers[c]] for r, c in zip(rows, cols, strict=True)]


def planted_groups(planted: NDArray[np.int64]) -> Groups:
    """The planted partition itself, scored like a method: what a perfect recovery would get."""
    groups: dict[int, list[int]] = {}
    for person, label in enumerate(planted.tolist()):
        groups.setdefault(label, []).append(person)
    return list(groups.values())


def run_reference(method: str, problem: Problem, affinity: F32, seed: int) -> Groups:
    if method == "scipy-lsa":
        return run_lsa(problem, affinity)
    if method == "random":
        return random_grouping(problem, seed)
    if problem.settings.mode == "pairs":
        return greedy_pairs(affinity)
    return greedy_groups(problem, affinity, seed)


def assignment_bound(affinity: F32) -> float:
    """An upper bound on any pairing's total: half the best assignment with no self-match.

    A perfect matching read in both directions is an assignment of twice its weight, so the best
    assignment / 2 bounds the optimum from above; measured against it when networkx is too slow.
    """
    weights = affinity.astype(np.float64)
    np.fill_diagonal(weights, -1e6)
    rows, cols = linear_sum_assignment(weights, maximize=True)
    return float(weights[rows, cols].sum() / 2)


def load_affinity(case: Case, problem: Problem) -> F32:
    """The case's affinity matrix, computed once and kept on disk for the other runs."""
    embedder = text_embedder(problem)
    name = embedder_name(embedder)
    path = RESULTS / "cache" / f"affinity-{case.name}-{instance_digest(case)}-{name}.npy"
    if path.exists():
        cached: F32 = np.load(path)
        return cached
    affinity = compute_affinity(problem, embedder)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, affinity)
    return affinity


def warm_up(case: Case) -> None:
    """Solve a tiny instance of the same shape first: the target is time inside a running
    process (a server or worker), so one-time imports and caches are not part of it."""
    small = 12
    leaders = None if case.leaders is None else max(1, case.leaders * small // case.n)
    problem = replace(case, n=small, leaders=leaders).build().problem
    solve(problem, embedder=text_embedder(problem))  # loads the semantic model, as a server has


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(case_json: str, method: str) -> dict[str, Any]:
    case = Case.from_json(json.loads(case_json))
    instance = case.build()
    problem = instance.problem
    info: dict[str, Any] = {}
    affinity = load_affinity(case, problem) if method in REFERENCES else None  # not timed
    if method.startswith("peerpear"):
        warm_up(case)
    cpu_started = cpu_seconds()
    started = time.perf_counter()
    if method.startswith("peerpear"):
        objective = "total" if method == "peerpear-total" else problem.settings.objective
        groups, info = run_peerpear(problem, objective)
        elapsed = time.perf_counter() - started
    elif method == "assignment-bound":
        assert affinity is not None
        bound = assignment_bound(affinity)
        elapsed = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"time_s": elapsed, "peak_mb": peak_mb, "bound": bound}
    elif method == "networkx":
        assert affinity is not None
        groups, elapsed = run_networkx(affinity)
    elif method == "planted":
        assert instance.planted is not None
        groups, elapsed = planted_groups(instance.planted), 0.0
    else:
        assert affinity is not None
        groups = run_reference(method, problem, affinity, case.seed)
        elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    cpu = cpu_seconds() - cpu_started

    check_partition(problem, groups)
    if affinity is None:
        affinity = load_affinity(case, problem)
    # The machine is shared: CPU time is less disturbed by other jobs than wall time, and the
    # 1-minute load average says how contended the run was.
    out: dict[str, Any] = {"time_s": elapsed, "cpu_s": cpu, "peak_mb": peak_mb, **info}
    out["load"] = os.getloadavg()[0]
    out.update(asdict(score(affinity, groups)))
    out["groups"] = len(groups)
    if instance.planted is not None:
        labels = np.empty(len(problem.participants), dtype=np.int64)
        for g, group in enumerate(groups):
            labels[group] = g
        out["ari"] = float(adjusted_rand_score(instance.planted, labels))
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
