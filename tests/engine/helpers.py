"""Independent re-computations used by the engine tests (no engine internals)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from peerpear.engine import Problem, Result

BETA = 2.0  # the fair objective's u(s) = (1 - exp(-2 s)) / 2, as documented in objective.py


def u(s: NDArray[np.float64], objective: str) -> NDArray[np.float64]:
    return s if objective == "total" else (1 - np.exp(-BETA * s)) / BETA


def index_groups(problem: Problem, groups: list[list[str]]) -> list[list[int]]:
    where = {p.id: i for i, p in enumerate(problem.participants)}
    return [[where[pid] for pid in g] for g in groups]


def satisfactions(affinity: NDArray[np.float32], groups: list[list[int]]) -> NDArray[np.float64]:
    n = sum(len(g) for g in groups)
    out = np.zeros(n)
    for g in groups:
        for i in g:
            out[i] = sum(float(affinity[i, j]) for j in g if j != i) / (len(g) - 1)
    return out


def objective_value(
    affinity: NDArray[np.float32], groups: list[list[int]], objective: str
) -> float:
    return float(u(satisfactions(affinity, groups), objective).sum())


def result_groups(problem: Problem, result: Result) -> list[list[int]]:
    return index_groups(problem, [g.members for g in result.groups])


def all_matchings(people: list[int]) -> list[list[list[int]]]:
    """Every partition of an even list into pairs."""
    if not people:
        return [[]]
    first, rest = people[0], people[1:]
    out = []
    for k, other in enumerate(rest):
        for tail in all_matchings(rest[:k] + rest[k + 1 :]):
            out.append([[first, other], *tail])
    return out
