"""What a solver hands back to ``solve``: groups of person indices and how they were found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# reported as ``metrics.solver``; "exact" is the CP-SAT feasibility model (``exact.py``), and
# "exact+local_search" its valid grouping improved by the local search; "given" a grouping made
# outside the engine and measured by ``evaluate``
SolverName = Literal[
    "matching",
    "exact_matching",
    "assignment",
    "local_search",
    "exact",
    "exact+local_search",
    "given",
]


@dataclass
class Solution:
    groups: list[list[int]]
    solver: SolverName
    proven_optimal: bool = False
    objective_upper_bound: float | None = None
