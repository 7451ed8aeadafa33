"""Objective weight of putting two people in a pair (or a two-sided 1:1 match).

In a pair both people's satisfaction is their affinity a_ij, so the objective gains
2 u(a_ij) minus the pair's rule cost (history penalty, never-pair); see ``objective.py``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.objective import utility
from peerpear.engine.plan import Plan
from peerpear.engine.problem import Objective

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


class PairWeights:
    def __init__(self, plan: Plan, affinity: NDArray[np.float32], objective: Objective) -> None:
        self.plan, self.affinity, self.objective = plan, affinity, objective

    def pairs(self, a: I64, b: I64) -> F64:
        """Weights of the pairs (a[k], b[k]), elementwise."""
        w = 2 * utility(self.affinity[a, b], self.objective)
        if self.plan.has_costs and len(a):
            w = w - np.asarray(self.plan.cost[a, b]).ravel()
        return w

    def dense(self, rows: I64, cols: I64) -> F64:
        """The full rows x cols weight matrix."""
        w = 2 * utility(self.affinity[np.ix_(rows, cols)], self.objective)
        if self.plan.has_costs:
            w -= self.plan.cost[rows][:, cols].toarray()
        return w
