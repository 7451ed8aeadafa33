"""Must-pair units and pair costs: the pair rules in the form the solvers use.

Must-pair lists are merged into units (union-find: chains join); never-pairs cost ``NEVER_COST``
and repeated pairs (history) their penalty, in one symmetric sparse matrix. A never-pair inside a
must-pair unit is a conflict seen here.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from peerpear.engine.errors import Infeasible
from peerpear.engine.problem import Problem

I64 = NDArray[np.int64]
# Cost of putting a never-pair in one group: far above any affinity gain (all are <= n).
NEVER_COST = 1.0e6


def must_pair_units(problem: Problem, index: dict[str, int]) -> list[I64]:
    parent = list(range(len(index)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for group in problem.settings.must_pair:
        root = find(index[group[0]])
        for pid in group[1:]:
            other = find(index[pid])
            if other != root:
                parent[max(root, other)] = min(root, other)
                root = min(root, other)
    members: dict[int, list[int]] = {}
    for person in range(len(index)):
        members.setdefault(find(person), []).append(person)
    return [np.asarray(m, dtype=np.int64) for m in members.values()]


def _pairs_of(groups: list[list[str]], index: dict[str, int]) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for group in groups:
        people = sorted({index[p] for p in group if p in index})
        pairs.update((a, b) for i, a in enumerate(people) for b in people[i + 1 :])
    return pairs


def pair_costs(
    problem: Problem, index: dict[str, int], unit_of: I64
) -> tuple[sp.csr_matrix, set[tuple[int, int]]]:
    n = len(index)
    never = _pairs_of(problem.settings.never_pair, index)
    history = _pairs_of(problem.settings.history, index) - never
    ids = problem.ids
    for a, b in sorted(never):
        if unit_of[a] == unit_of[b]:
            raise Infeasible(
                f"{ids[a]} and {ids[b]} are linked by must-pair but are also a never-pair"
            )
    entries = [(a, b, NEVER_COST) for a, b in never]
    # as if the pair's affinity were lowered by the penalty: a pair adds 2 a_ij / (k - 1) to the
    # summed satisfaction of a group of k
    scale = 2.0 / (problem.settings.target_size - 1)
    entries += [(a, b, problem.settings.history_penalty * scale) for a, b in history]
    entries = [e for e in entries if e[2] > 0]
    rows = [e[0] for e in entries] + [e[1] for e in entries]
    cols = [e[1] for e in entries] + [e[0] for e in entries]
    vals = [e[2] for e in entries] * 2
    cost = sp.csr_matrix((vals, (rows, cols)), shape=(n, n), dtype=np.float64)
    return cost, never
