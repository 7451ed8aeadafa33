"""Exact solvers against brute force and reference implementations."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from peerpear.engine import compute_affinity, solve
from tests.engine.conftest import random_problem
from tests.engine.helpers import all_matchings, objective_value, result_groups, u


@pytest.mark.parametrize("objective", ["fair", "total"])
@pytest.mark.parametrize(("n", "seed"), [(2, 0), (4, 1), (6, 2), (8, 3), (8, 4)])
def test_pairs_equal_brute_force(n: int, seed: int, objective: str) -> None:
    problem = random_problem(n, seed, objective=objective)
    a = compute_affinity(problem)
    best = max(objective_value(a, m, objective) for m in all_matchings(list(range(n))))
    result = solve(problem)
    assert objective_value(a, result_groups(problem, result), objective) == pytest.approx(best)
    assert result.metrics.objective == pytest.approx(best)


@pytest.mark.parametrize(("n", "seed"), [(5, 0), (7, 1)])
def test_odd_pairs_make_one_good_trio(n: int, seed: int) -> None:
    problem = random_problem(n, seed, objective="total")
    a = compute_affinity(problem)
    people = list(range(n))
    best = -np.inf
    for trio in itertools.combinations(people, 3):
        rest = [p for p in people if p not in trio]
        for m in all_matchings(rest):
            best = max(best, objective_value(a, [list(trio), *m], "total"))
    got = objective_value(a, result_groups(problem, solve(problem)), "total")
    assert got <= best + 1e-9
    assert got >= 0.95 * best


@pytest.mark.parametrize("objective", ["fair", "total"])
def test_two_sided_equals_brute_force(objective: str) -> None:
    problem = random_problem(10, 5, roles=["big", "little"], mode="big_little", objective=objective)
    a = compute_affinity(problem)
    bigs, littles = list(range(0, 10, 2)), list(range(1, 10, 2))
    best = max(
        objective_value(a, [[b, lt] for b, lt in zip(bigs, perm, strict=True)], objective)
        for perm in itertools.permutations(littles)
    )
    result = solve(problem)
    assert result.metrics.proven_optimal
    assert result.metrics.objective == pytest.approx(best)


def test_two_sided_equals_linear_sum_assignment_on_a_larger_instance() -> None:
    problem = random_problem(120, 6, roles=["mentor", "mentee"], mode="mentor", objective="total")
    a = compute_affinity(problem).astype(np.float64)
    r, c = linear_sum_assignment(a[0::2][:, 1::2], maximize=True)
    lsa_total = 2 * a[0::2][:, 1::2][r, c].sum()
    result = solve(problem)
    assert result.metrics.objective == pytest.approx(lsa_total, rel=1e-6)


@pytest.mark.parametrize(("n", "seed"), [(60, 7), (150, 8)])
def test_pairs_match_networkx_optimum(n: int, seed: int) -> None:
    problem = random_problem(n, seed, objective="fair")
    a = compute_affinity(problem).astype(np.float64)
    graph = nx.Graph()
    for i, j in itertools.combinations(range(n), 2):
        graph.add_edge(i, j, weight=float(2 * u(np.array(a[i, j]), "fair")))
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    optimum = sum(graph[i][j]["weight"] for i, j in matching)
    result = solve(problem)
    assert result.metrics.objective <= optimum + 1e-6
    assert result.metrics.objective >= 0.995 * optimum
    if result.metrics.proven_optimal:
        assert result.metrics.objective == pytest.approx(optimum)
    bound = result.metrics.objective_upper_bound
    assert bound is not None and bound >= optimum - 1e-6


@pytest.mark.parametrize("objective", ["fair", "total"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_groups_end_at_a_swap_local_optimum(objective: str, seed: int) -> None:
    problem = random_problem(12, seed, mode="groups", group_size=4, objective=objective)
    a = compute_affinity(problem)
    groups = result_groups(problem, solve(problem))
    value = objective_value(a, groups, objective)
    for g, h in itertools.combinations(range(len(groups)), 2):
        for x, y in itertools.product(groups[g], groups[h]):
            swapped = [list(m) for m in groups]
            swapped[g] = [y if p == x else p for p in groups[g]]
            swapped[h] = [x if p == y else p for p in groups[h]]
            assert objective_value(a, swapped, objective) <= value + 1e-9


def test_groups_reach_the_brute_force_optimum_on_six_people() -> None:
    problem = random_problem(6, 11, mode="groups", group_size=3, objective="total")
    a = compute_affinity(problem)
    best = max(
        objective_value(a, [list(t), [p for p in range(6) if p not in t]], "total")
        for t in itertools.combinations(range(6), 3)
    )
    assert objective_value(a, result_groups(problem, solve(problem)), "total") == pytest.approx(
        best
    )
