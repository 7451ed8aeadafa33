"""Two-sided 1:1 matching (big_little of size 2 with equal sides, mentor with capacity 1).

Exact: ``scipy.optimize.linear_sum_assignment`` on the pair weights between the two sides, so the
result is proven optimal for the objective. Must-pair units (a big with a little) are fixed first.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from peerpear.engine.pair_weights import PairWeights
from peerpear.engine.plan import Plan
from peerpear.engine.problem import Objective
from peerpear.engine.solution import Solution


def two_sided_applies(plan: Plan) -> bool:
    if plan.iso_tags or plan.size_hi != 2 or len(plan.sides) != 2:
        return False
    counts = [(plan.side_of == t).sum() for t in range(2)]
    return bool(counts[0] == counts[1] == plan.n_groups)


def solve_two_sided(plan: Plan, affinity: NDArray[np.float32], objective: Objective) -> Solution:
    fixed = [[int(p) for p in members] for members in plan.units if len(members) == 2]
    single = np.array([len(plan.units[u]) == 1 for u in plan.unit_of])
    rows = np.flatnonzero(single & (plan.side_of == 0))
    cols = np.flatnonzero(single & (plan.side_of == 1))
    weights = PairWeights(plan, affinity, objective).dense(rows, cols)
    r, c = linear_sum_assignment(weights, maximize=True)
    pairs = [[int(rows[i]), int(cols[j])] for i, j in zip(r, c, strict=True)]
    return Solution(fixed + pairs, "assignment", proven_optimal=True)
