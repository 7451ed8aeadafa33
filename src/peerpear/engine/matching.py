"""One-pool pairs: maximum-weight perfect matching on the pair weights.

- Up to ``EXACT_LIMIT`` free people: networkx's blossom algorithm, exact.
- Up to ``DENSE_LIMIT``: ``linear_sum_assignment`` on the symmetric weight matrix with a
  prohibitive diagonal. A perfect matching is a permutation of 2-cycles, so the assignment
  optimum / 2 is a proven upper bound on the best matching. Its permutation is split into cycles
  (2-cycles are pairs, even cycles take their better alternating matching, odd cycles leave one
  person), leftovers are paired greedily, then 2-opt improves; equal to the bound = proven optimal.
- Beyond: the same on a sparse candidate graph (each person's ``NEIGHBOURS`` best, symmetrized)
  with ``min_weight_full_bipartite_matching``; no bound is claimed there.
An odd count leaves one person, who joins the pair where the objective loses least (a trio).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from peerpear.engine.neighbours import largest, top_neighbours
from peerpear.engine.objective import utility
from peerpear.engine.pair_weights import PairWeights
from peerpear.engine.plan import Plan
from peerpear.engine.problem import Objective
from peerpear.engine.solution import Solution

I64 = NDArray[np.int64]
EXACT_LIMIT = 40
DENSE_LIMIT = 3000
NEIGHBOURS = 24
TWO_OPT_ROUNDS = 200
FORBIDDEN = -1.0e9


def solve_pairs(
    plan: Plan,
    affinity: NDArray[np.float32],
    objective: Objective,
    rng: np.random.Generator,
    deadline: float,
) -> Solution:
    trios = [[int(p) for p in m] for m in plan.units if len(m) == 3]  # one at most: plan.py
    fixed = [[int(p) for p in m] for m in plan.units if len(m) == 2]
    free = np.array([int(m[0]) for m in plan.units if len(m) == 1], dtype=np.int64)
    weights = PairWeights(plan, affinity, objective)
    solution = _match(free, weights, deadline)
    pairs = solution.groups
    if len(free) % 2:  # then no trio is fixed; the one left may also join a must-pair pair
        matched = {p for pair in pairs for p in pair}
        left = int(next(p for p in free if int(p) not in matched))
        pairs = fixed + pairs
        _attach(left, pairs, affinity, objective, plan)
        solution.groups = pairs
    else:
        solution.groups = fixed + trios + pairs
    return solution


def _match(free: I64, weights: PairWeights, deadline: float) -> Solution:
    m = len(free)
    if m < 2:
        return Solution([], "matching", proven_optimal=True)
    if m <= EXACT_LIMIT:
        return _exact(free, weights)
    if m <= DENSE_LIMIT:
        w = weights.dense(free, free)
        np.fill_diagonal(w, FORBIDDEN)
        w_full = np.pad(w, (0, m % 2))  # odd: a dummy who leaves one person out at no cost
        if m % 2:
            w_full[-1, -1] = FORBIDDEN
        r, c = linear_sum_assignment(w_full, maximize=True)
        bound = float(w_full[r, c].sum()) / 2
        perm = c
        neighbours = largest(w, min(NEIGHBOURS * 2, m - 1))
    else:
        neighbours = top_neighbours(weights.affinity, NEIGHBOURS, people=free)[0]
        perm = _sparse_assignment(free, neighbours, weights)
        bound = None
    mate = _from_permutation(perm, m)
    _greedy_fill(mate, free, weights)
    _two_opt(mate, free, neighbours, weights, deadline)
    pairs = [[int(free[i]), int(free[mate[i]])] for i in range(m) if 0 <= i < mate[i]]
    value = float(weights.pairs(*_pair_arrays(pairs)).sum()) if pairs else 0.0
    proven = bound is not None and m % 2 == 0 and value >= bound - 1e-9 * max(1.0, abs(bound))
    return Solution(pairs, "matching", proven, bound if m % 2 == 0 else None)


def _pair_arrays(pairs: list[list[int]]) -> tuple[I64, I64]:
    arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def _exact(free: I64, weights: PairWeights) -> Solution:
    import networkx as nx  # heavy (0.4-1 s): loaded only for the few people it is used on

    m = len(free)
    w = weights.dense(free, free)
    graph = nx.Graph()
    graph.add_nodes_from(range(m))
    i, j = np.triu_indices(m, 1)
    graph.add_weighted_edges_from(zip(i.tolist(), j.tolist(), w[i, j].tolist(), strict=True))
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    pairs = sorted(sorted((int(free[a]), int(free[b]))) for a, b in matching)
    return Solution([list(p) for p in pairs], "exact_matching", proven_optimal=m % 2 == 0)


def _sparse_assignment(free: I64, neighbours: I64, weights: PairWeights) -> I64:
    m, k = neighbours.shape
    rows = np.repeat(np.arange(m), k)
    cols = neighbours.ravel()
    rows, cols = np.concatenate([rows, cols]), np.concatenate([cols, rows])
    w = weights.pairs(free[rows], free[cols])
    if m % 2:  # a dummy row and column reachable from everyone
        dummy = np.full(m, m)
        rows = np.concatenate([rows, dummy, np.arange(m)])
        cols = np.concatenate([cols, np.arange(m), dummy])
        w = np.concatenate([w, np.zeros(2 * m)])
    size = m + m % 2
    # costs must be positive and unique pairs; duplicates from symmetrizing are summed by coo
    graph = sp.coo_matrix((w.max() + 1.0 - w, (rows, cols)), shape=(size, size)).tocsr()
    graph.sum_duplicates()
    graph.data = np.where(graph.data > 0, graph.data, 1e-9)
    dup = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(size, size)).tocsr()
    graph.data = graph.data / dup.data  # undo the summing of duplicate entries
    try:
        _, perm = min_weight_full_bipartite_matching(graph)
    except ValueError:  # no perfect assignment in the candidate graph: start from nothing
        return np.full(size, -1, dtype=np.int64)
    return np.asarray(perm, dtype=np.int64)


def _from_permutation(perm: I64, m: int) -> I64:
    """Pairs from the cycles of an assignment; -1 for people left unpaired."""
    mate = np.full(m, -1, dtype=np.int64)
    seen = np.zeros(len(perm), dtype=bool)
    for start in range(len(perm)):
        if seen[start] or perm[start] < 0:
            continue
        cycle = []
        node = start
        while not seen[node] and node >= 0:
            seen[node] = True
            cycle.append(int(node))
            node = int(perm[node])
        cycle = [c for c in cycle if c < m]  # the dummy of an odd count drops out
        # alternate along the cycle (the exact choice among rotations is left to 2-opt)
        for a, b in zip(cycle[0::2], cycle[1::2], strict=False):
            mate[a], mate[b] = b, a
    return mate


def _greedy_fill(mate: I64, free: I64, weights: PairWeights) -> None:
    """Pairs the unpaired people best-first."""
    left = np.flatnonzero(mate < 0)
    if len(left) < 2:
        return
    w = weights.dense(free[left], free[left])
    np.fill_diagonal(w, -np.inf)
    i, j = np.triu_indices(len(left), 1)
    for k in np.argsort(-w[i, j], kind="stable"):
        a, b = left[i[k]], left[j[k]]
        if mate[a] < 0 and mate[b] < 0:
            mate[a], mate[b] = b, a


def _two_opt(mate: I64, free: I64, neighbours: I64, weights: PairWeights, deadline: float) -> None:
    """Re-pairs (a, b), (c, d) as (a, c), (b, d) or (a, d), (b, c) while that gains."""
    m = len(mate)
    for _ in range(TWO_OPT_ROUNDS):
        a = np.repeat(np.arange(m), neighbours.shape[1])
        c = neighbours.ravel()
        b, d = mate[a], mate[c]
        ok = (b >= 0) & (d >= 0) & (c != b) & (a != c)
        a, b, c, d = a[ok], b[ok], c[ok], d[ok]
        now = weights.pairs(free[a], free[b]) + weights.pairs(free[c], free[d])
        cross = weights.pairs(free[a], free[c]) + weights.pairs(free[b], free[d])
        other = weights.pairs(free[a], free[d]) + weights.pairs(free[b], free[c])
        gain = np.maximum(cross, other) - now
        better = np.flatnonzero(gain > 1e-9)
        if len(better) == 0 or time.monotonic() > deadline:
            return
        touched = np.zeros(m, dtype=bool)
        for k in better[np.argsort(-gain[better], kind="stable")]:
            people = [a[k], b[k], c[k], d[k]]
            if touched[people].any():
                continue
            touched[people] = True
            x, y = (c[k], d[k]) if cross[k] >= other[k] else (d[k], c[k])
            mate[a[k]], mate[x] = x, a[k]
            mate[b[k]], mate[y] = y, b[k]


def _attach(
    person: int,
    pairs: list[list[int]],
    affinity: NDArray[np.float32],
    objective: Objective,
    plan: Plan,
) -> None:
    """Adds the odd one out to the pair where the objective changes best."""
    a, b = _pair_arrays(pairs)
    x = np.full(len(a), person)
    before = 2 * utility(affinity[a, b], objective)
    after = (
        utility((affinity[x, a] + affinity[x, b]) / 2, objective)
        + utility((affinity[a, b] + affinity[a, x]) / 2, objective)
        + utility((affinity[a, b] + affinity[b, x]) / 2, objective)
    )
    if plan.has_costs:
        after -= np.asarray(plan.cost[x, a]).ravel() + np.asarray(plan.cost[x, b]).ravel()
    best = int(np.argmax(after - before))
    pairs[best].append(person)
