"""Entry point: picks the solver for the mode, checks the result, builds metrics.

- one-pool pairs: maximum-weight matching (``matching.py``);
- two-sided 1:1 (big_little of size 2 with equal sides, mentor with capacity 1): exact
  assignment (``assignment.py``);
- everything else, and any mode with ``no_isolation`` rules: constructive start plus local search
  (``construct.py``, ``local_search.py``).
Every result goes through the standalone validator; a grouping that breaks a rule is never
returned, the run fails with the violation instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.affinity import compute_affinity
from peerpear.engine.anchored import anchor_side, construct_anchored
from peerpear.engine.assignment import solve_two_sided, two_sided_applies
from peerpear.engine.construct import construct
from peerpear.engine.embedding import Embedder
from peerpear.engine.errors import Cancelled, EngineError
from peerpear.engine.explain import explain
from peerpear.engine.local_search import CANDIDATE_GROUPS, GroupSearch
from peerpear.engine.matching import solve_pairs
from peerpear.engine.metrics import best_possible, satisfaction, summary
from peerpear.engine.neighbours import top_neighbours
from peerpear.engine.objective import utility
from peerpear.engine.plan import Plan, build_plan
from peerpear.engine.problem import Problem
from peerpear.engine.reassign import improve
from peerpear.engine.result import GroupResult, Metrics, ParticipantResult, Result
from peerpear.engine.solution import Solution
from peerpear.engine.validator import validate
from peerpear.engine.version import ENGINE_VERSION

REPORT_SHARE = 0.75


def default_time_limit(n: int) -> float:
    """Seconds for a whole run: small inputs finish at a local optimum long before."""
    return min(10.0, 2.0 + n / 1000)


class Run:
    """Progress reporting and cancellation shared by the phases."""

    def __init__(
        self,
        progress: Callable[[float], None] | None,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self.progress, self.should_stop = progress, should_stop

    def stopped(self) -> bool:
        return self.should_stop is not None and self.should_stop()

    def step(self, fraction: float) -> None:
        if self.stopped():
            raise Cancelled("the run was cancelled")
        if self.progress is not None:
            self.progress(min(max(fraction, 0.0), 1.0))


def solve(
    problem: Problem,
    *,
    embedder: Embedder | None = None,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Result:
    """Solves ``problem``; raises ``EngineError`` (``Cancelled`` on ``should_stop``)."""
    started = time.perf_counter()
    run = Run(progress, should_stop)
    run.step(0.0)
    plan = build_plan(problem)
    affinity = compute_affinity(problem, embedder)
    run.step(0.2)
    s = problem.settings
    limit = s.time_limit_s or default_time_limit(plan.n)
    # the search gets what is left of 75% of the budget; the rest is for checking and reporting
    # (explanations at n = 10,000 take 0.5 s, and two to three times that on a busy machine)
    deadline = time.monotonic() + max(REPORT_SHARE * limit - (time.perf_counter() - started), 0.1)
    rng = np.random.default_rng(s.seed)
    top_idx, top_val = top_neighbours(affinity, max(CANDIDATE_GROUPS, plan.size_hi))
    if plan.mode == "pairs" and not plan.iso_tags:
        solution = solve_pairs(plan, affinity, s.objective, rng, deadline)
    elif two_sided_applies(plan):
        solution = solve_two_sided(plan, affinity, s.objective)
    else:
        solution = _search(plan, affinity, top_idx, s.objective, rng, deadline, run)
    run.step(0.9)
    result = _result(problem, plan, affinity, top_val, solution, started)
    if progress is not None:
        progress(1.0)
    return result


def initial_grouping(
    plan: Plan, affinity: NDArray[np.float32], rng: np.random.Generator
) -> NDArray[np.int64]:
    """Group per unit for the search to start from: one anchor per group, or greedy growth."""
    anchor = anchor_side(plan)
    if anchor is None:
        return construct(plan, affinity, rng)
    return construct_anchored(plan, affinity, anchor)


def _search(
    plan: Plan,
    affinity: NDArray[np.float32],
    neighbours: NDArray[np.int64],
    objective: str,
    rng: np.random.Generator,
    deadline: float,
    run: Run,
) -> Solution:
    start = initial_grouping(plan, affinity, rng)
    run.step(0.3)
    search = GroupSearch(plan, affinity, start, objective, neighbours)
    improve(search, deadline, lambda rounds: run.step(0.3 + 0.6 * (1 - 0.8**rounds)), run.stopped)
    return Solution(search.groups(), "local_search")


def _result(
    problem: Problem,
    plan: Plan,
    affinity: NDArray[np.float32],
    top_values: NDArray[np.float32],
    solution: Solution,
    started: float,
) -> Result:
    groups = sorted((sorted(g) for g in solution.groups), key=lambda g: g[0])
    ids = plan.ids
    named = [[ids[i] for i in g] for g in groups]
    validation = validate(problem, named)
    if not validation.ok:
        raise EngineError(f"no grouping satisfies every rule: {validation.violations[0]}")
    sat = satisfaction(affinity, groups, plan.n)
    group_of = np.empty(plan.n, dtype=np.int64)
    size_of = np.empty(plan.n, dtype=np.int64)
    for g, members in enumerate(groups):
        group_of[members] = g
        size_of[members] = len(members)
    bound = float(best_possible(top_values, size_of).mean())
    mean, low, p10 = summary(sat)
    texts = explain(problem, affinity, groups)
    costs = sum(float(plan.cost[np.ix_(g, g)].sum()) / 2 for g in groups) if plan.has_costs else 0.0
    metrics = Metrics(
        mean_satisfaction=mean,
        min_satisfaction=low,
        p10_satisfaction=p10,
        upper_bound=bound,
        gap=bound - mean,
        runtime_s=time.perf_counter() - started,
        objective=float(utility(sat, problem.settings.objective).sum()) - costs,
        objective_name=problem.settings.objective,
        solver=solution.solver,
        proven_optimal=solution.proven_optimal,
        objective_upper_bound=solution.objective_upper_bound,
    )
    return Result(
        groups=[
            GroupResult(members=names, score=float(sat[g].mean()))
            for names, g in zip(named, groups, strict=True)
        ],
        participants=[
            ParticipantResult(
                id=ids[i], group=int(group_of[i]), satisfaction=float(sat[i]), explanation=texts[i]
            )
            for i in range(plan.n)
        ],
        metrics=metrics,
        validation=validation,
        mode=plan.mode,
        seed=problem.settings.seed,
        engine_version=ENGINE_VERSION,
    )
