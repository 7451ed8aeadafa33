"""What a grouping is worth, in the result format: every person's satisfaction and explanation,
each group's score and the metrics (DESIGN §3).

Shared by ``solve`` (its own grouping) and ``evaluate`` (a grouping given from outside), so a
run and an edited pairing are measured the same way. People in no group (only ``evaluate`` has
them) get no entry in ``participants`` and count in no metric; the validation names them.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from peerpear.engine.explain import explain
from peerpear.engine.metrics import best_possible, satisfaction, summary
from peerpear.engine.objective import utility
from peerpear.engine.problem import Problem
from peerpear.engine.result import GroupResult, Metrics, ParticipantResult, Result, Validation
from peerpear.engine.solution import Solution
from peerpear.engine.version import ENGINE_VERSION


def build_result(
    problem: Problem,
    affinity: NDArray[np.float32],
    top_values: NDArray[np.float32],
    groups: list[list[int]],
    validation: Validation,
    *,
    cost: sp.csr_matrix,
    solution: Solution,
    started: float,
) -> Result:
    """The result for ``groups`` (person indices, reported in this order); ``top_values`` are
    each person's best affinities (``top_neighbours``), at least as many as the largest group
    has mates; ``cost`` the pair costs subtracted from the objective."""
    ids = problem.ids
    n = len(ids)
    sat = satisfaction(affinity, groups, n)
    group_of = np.full(n, -1, dtype=np.int64)
    size_of = np.zeros(n, dtype=np.int64)
    for g, members in enumerate(groups):
        group_of[members] = g
        size_of[members] = len(members)
    placed = np.flatnonzero(group_of >= 0)
    texts = explain(problem, affinity, groups)
    costs = sum(float(cost[np.ix_(g, g)].sum()) / 2 for g in groups) if cost.nnz else 0.0
    if len(placed):
        bound = float(best_possible(top_values[placed], size_of[placed]).mean())
        mean, low, p10 = summary(sat[placed])
    else:
        bound = mean = low = p10 = 0.0
    metrics = Metrics(
        mean_satisfaction=mean,
        min_satisfaction=low,
        p10_satisfaction=p10,
        upper_bound=bound,
        gap=bound - mean,
        runtime_s=time.perf_counter() - started,
        objective=float(utility(sat[placed], problem.settings.objective).sum()) - costs,
        objective_name=problem.settings.objective,
        solver=solution.solver,
        proven_optimal=solution.proven_optimal,
        objective_upper_bound=solution.objective_upper_bound,
    )
    return Result(
        groups=[
            GroupResult(members=[ids[i] for i in g], score=float(sat[g].mean()) if g else 0.0)
            for g in groups
        ],
        participants=[
            ParticipantResult(
                id=ids[i], group=int(group_of[i]), satisfaction=float(sat[i]), explanation=texts[i]
            )
            for i in placed
        ],
        metrics=metrics,
        validation=validation,
        mode=problem.settings.mode,
        seed=problem.settings.seed,
        engine_version=ENGINE_VERSION,
    )
