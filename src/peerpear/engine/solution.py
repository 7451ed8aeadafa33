"""What a solver hands back to ``solve``: groups of person indices and how they were found."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Solution:
    groups: list[list[int]]
    solver: str
    proven_optimal: bool = False
    objective_upper_bound: float | None = None
