"""The objective the solvers maximize.

Satisfaction s_i is person i's mean affinity to their group mates (in [0, 1]).

- ``total``: the sum of satisfactions.
- ``fair`` (default): the sum of u(s_i) with u(s) = (1 - exp(-beta * s)) / beta, beta = 2. u is
  increasing and concave, so raising anyone helps, but a gain for someone at s = 0 counts
  e^2 ~ 7.4 times the same gain for someone at s = 1: the worst-off are protected while the mean
  still rises. Unlike a max-min objective it has no plateaus, so local search keeps a gradient,
  and for pairs it stays a matching problem (edge weight u(a_ij) for each of the two people),
  which the exact solvers optimize directly.

Rule costs are subtracted from either: ``history_penalty`` per repeated pair scaled by
2 / (k - 1) (as if the pair's affinity were lowered by the penalty), a prohibitive cost for a
never-pair and for an isolated person (``no_isolation``).
"""

from __future__ import annotations

from typing import assert_never

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.problem import Objective

FAIR_BETA = 2.0
ISOLATION_COST = 1.0e4


def utility(satisfaction: NDArray[np.floating], objective: Objective) -> NDArray[np.float64]:
    """u(s) applied elementwise; an objective outside ``Objective`` is an error, never ``fair``."""
    s = np.asarray(satisfaction, dtype=np.float64)
    if objective == "total":
        return s
    if objective == "fair":
        return (1.0 - np.exp(-FAIR_BETA * s)) / FAIR_BETA
    assert_never(objective)
