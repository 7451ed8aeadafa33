"""The exact re-assignment step of role modes, and the shared top-neighbour scan."""

from __future__ import annotations

import numpy as np
import pytest

from peerpear.engine import compute_affinity, neighbours, validate
from peerpear.engine.exchanges import MIN_GAIN, best_exchanges
from peerpear.engine.local_search import GroupSearch
from peerpear.engine.neighbours import BEST_MATCHES, top_neighbours
from peerpear.engine.plan import build_plan
from peerpear.engine.problem import Problem
from peerpear.engine.reassign import applies, exact_step
from peerpear.engine.search import initial_grouping
from tests.engine.conftest import random_problem
from tests.engine.helpers import objective_value


def _search(problem: Problem) -> GroupSearch:
    plan = build_plan(problem)
    a = compute_affinity(problem)
    top, _ = top_neighbours(a, BEST_MATCHES)
    start = initial_grouping(plan, a, np.random.default_rng(0))
    return GroupSearch(plan, a, start, problem.settings.objective, top)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("objective", ["fair", "total"])
def test_exact_steps_keep_every_rule_and_never_lower_the_objective(
    seed: int, objective: str
) -> None:
    roles = ["big", "little", "little", "either", "little"]
    problem = random_problem(
        45,
        seed,
        roles=roles,
        mode="big_little",
        objective=objective,
        never_pair=[["p1", "p2"], ["p3", "p8"]],
        history=[["p5", "p6"], ["p0", "p4"]],
    )
    search = _search(problem)
    assert applies(search)
    plan = search.plan
    rng = np.random.default_rng(seed)
    everyone = np.arange(plan.n_groups)
    value = search.total(everyone)
    improved = False
    for step in range(12):
        designated = rng.random(plan.n_groups) < 0.5 if step >= 4 else np.ones(plan.n_groups, bool)
        changed = exact_step(search, step % 2, designated, step // 2)
        after = search.total(everyone)
        assert after >= value - 1e-9
        improved |= bool(changed.any())
        value = after
        named = [[plan.ids[i] for i in g] for g in search.groups()]
        assert validate(problem, named).ok, validate(problem, named).violations
    # the incremental state agrees with a recomputation from scratch
    if not plan.has_costs:
        fresh = objective_value(compute_affinity(problem), search.groups(), objective)
        assert fresh == pytest.approx(value, abs=1e-6)
    assert improved  # a constructive start on random data is never exactly optimal here


def test_exact_steps_do_not_apply_to_groups_mode() -> None:
    search = _search(random_problem(20, 0, mode="groups", group_size=4))
    assert not applies(search)


@pytest.mark.parametrize("seed", [0, 1])
def test_top_neighbours_match_a_full_sort(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(neighbours, "SAMPLE_COLUMNS", 32)  # the threshold path at n = 300
    rng = np.random.default_rng(seed)
    n, k = 300, 7
    a = rng.random((n, n)).astype(np.float32)
    a[:, :40] = np.round(a[:, :40], 1)  # ties
    a = np.triu(a, 1)
    a = (a + a.T).astype(np.float32)
    idx, val = top_neighbours(a, k)
    for i in range(n):
        row = a[i].copy()
        row[i] = -np.inf
        best = np.sort(row)[::-1][:k]
        assert np.array_equal(val[i], best)
        assert i not in idx[i]
        assert np.array_equal(a[i, idx[i]], val[i])
    zero = np.zeros((300, 300), dtype=np.float32)  # all ties: the partial-sort fallback
    idx, val = top_neighbours(zero, k)
    assert (val == 0).all() and (idx != np.arange(300)[:, None]).all()


@pytest.mark.parametrize("width", [50, 5000])
def test_largest_matches_a_full_sort(width: int) -> None:
    rng = np.random.default_rng(width)
    block = np.round(rng.random((40, width)), 3).astype(np.float32)  # ties included
    best = neighbours.largest(block, 9)
    for row in range(len(block)):
        # best first, ties by column: a stable sort of the negated row
        expected = np.argsort(-block[row].astype(np.float64), kind="stable")[:9]
        assert np.array_equal(best[row], expected)


@pytest.mark.parametrize("mode", ["groups", "big_little"])
def test_search_after_moves_ends_at_a_local_optimum(mode: str) -> None:
    """Rescoring only stale units still ends where no exchange gains (37 groups: candidates)."""
    roles = ["big", "little", "little"] if mode == "big_little" else None
    problem = random_problem(150, 7, roles=roles, mode=mode, group_size=4)
    search = _search(problem)
    search.run(float("inf"))
    if mode == "big_little":  # moves from outside the search, then the search again
        designated = np.random.default_rng(0).random(search.plan.n_groups) < 0.5
        for rotation in range(6):
            exact_step(search, 1, designated, rotation)
            search.run(float("inf"))
    nu = len(search.plan.units)
    a = compute_affinity(problem)
    top, _ = top_neighbours(a, BEST_MATCHES)
    fresh = GroupSearch(search.plan, a, search.group_of_units(), problem.settings.objective, top)
    gains, _, _ = best_exchanges(fresh, np.arange(nu))
    assert gains.max() <= MIN_GAIN
