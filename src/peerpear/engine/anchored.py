"""Construction for role modes with one "anchor" per group (a big, or a mentor, per group).

Phase 1 gives every anchor one follower by a maximum-weight assignment on a sparse candidate
graph (each anchor's ``BEST_MATCHES`` best followers; dense ``linear_sum_assignment`` if that graph
has no full matching). Phase 2 attaches the remaining followers round by round: groups below
their minimum first, then groups with room, each taking at most one follower per round, chosen
best-first by the follower's summed affinity to the group. On planted data this recovers whole
groups, which greedy growth cannot do when group sizes differ (1 big + 1 or 2 littles).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from peerpear.engine.neighbours import BEST_MATCHES, largest
from peerpear.engine.plan import Plan

I64 = NDArray[np.int64]
GROUP_CHOICES = 8


def anchor_side(plan: Plan) -> int | None:
    """The side with exactly one member per group, if the plan has one and no must-pair units."""
    if len(plan.sides) != 2 or any(len(m) > 1 for m in plan.units):
        return None
    for t in (0, 1):
        if plan.side_lo[t] == plan.side_hi[t] == 1:
            return t
    return None


def _first_followers(affinity: NDArray[np.float32], anchors: I64, followers: I64) -> I64:
    """One distinct follower per anchor, maximizing the summed affinity."""
    k = min(BEST_MATCHES, len(followers))
    block = affinity[np.ix_(anchors, followers)]
    top = largest(block, k) if k < len(followers) else None
    if top is not None:
        rows = np.repeat(np.arange(len(anchors)), k)
        weights = np.take_along_axis(block, top, axis=1).ravel() + 1.0  # no explicit zeros
        graph = sp.csr_matrix((weights, (rows, top.ravel())), shape=block.shape)
        try:
            r, c = min_weight_full_bipartite_matching(graph, maximize=True)
            matched: I64 = followers[c[np.argsort(r)]]
            return matched
        except ValueError:
            pass  # the candidate graph has no full matching: solve it densely
    r, c = linear_sum_assignment(block, maximize=True)
    dense: I64 = followers[c[np.argsort(r)]]
    return dense


def construct_anchored(plan: Plan, affinity: NDArray[np.float32], anchor: int) -> I64:
    """Group index per unit (all units are single people here)."""
    anchors = np.flatnonzero(plan.side_of == anchor)
    followers = np.flatnonzero(plan.side_of != anchor)
    group_of = np.full(plan.n, -1, dtype=np.int64)
    group_of[anchors] = np.arange(len(anchors))
    first = _first_followers(affinity, anchors, followers)
    group_of[first] = np.arange(len(anchors))
    lo, hi = plan.side_lo[1 - anchor], plan.side_hi[1 - anchor]
    count = np.ones(len(anchors), dtype=np.int64)
    members = np.zeros((len(anchors), plan.n), dtype=np.float32)  # rows: affinity to group
    members += affinity[anchors]
    members += affinity[first]
    left = np.setdiff1d(followers, first)
    while len(left):
        open_groups = np.flatnonzero(count < lo)
        if len(open_groups) == 0:
            open_groups = np.flatnonzero(count < hi)
        score = members[np.ix_(open_groups, left)].T  # followers x open groups
        k = min(GROUP_CHOICES, len(open_groups))
        choice = largest(score, k)
        values = np.take_along_axis(score, choice, axis=1)
        order = np.argsort(-values, axis=None, kind="stable")
        taken_group = np.zeros(len(open_groups), dtype=bool)
        placed = np.zeros(len(left), dtype=bool)
        for flat in order:
            f, slot = divmod(int(flat), k)
            g = int(choice[f, slot])
            if placed[f] or taken_group[g]:
                continue
            placed[f] = taken_group[g] = True
            group = int(open_groups[g])
            person = int(left[f])
            group_of[person] = group
            count[group] += 1
            members[group] += affinity[person]
        if not placed.any():  # cannot happen with open groups; guards against an endless loop
            group_of[int(left[0])] = int(open_groups[0])
            count[open_groups[0]] += 1
            members[open_groups[0]] += affinity[int(left[0])]
            placed[0] = True
        left = left[~placed]
    return group_of[[int(m[0]) for m in plan.units]]
