"""Exact re-assignment of one role's members between groups, for role modes (big_little, mentor).

Moves and swaps change two groups at a time. When every group holds one or two people of a side
(one big + one or two littles), a better grouping often needs a cycle or a chain of exchanges
over many groups, each of which alone loses. This step finds those exactly: a set of
*designated* groups each give up one member of the side, and the removed people are put back by
a maximum-weight bipartite matching of people to groups (scipy's sparse
``min_weight_full_bipartite_matching``), scored with the true change of the objective, rule costs
included. Every group takes at most one back, within its size and role range; a designated group
whose rest would break its range must take one.

- Every group designated: the side's members are permuted among the groups (one per group).
- A random half designated: a member can leave a group that can spare one while another joins
  an undesignated group with room; so chains that also change which groups are the larger ones
  (one big + two littles) are found. Groups that can spare a member are always designated, so a
  chain over three groups is found with probability 1/4 per step.

Which member a group gives up rotates between passes. The candidate groups of a removed person
are the groups of their ``BEST_MATCHES`` best matches plus their own, so the current grouping
is always one of the matchings: a step never lowers the objective (also checked after applying).
A step costs one sparse matching (about 20 ms for 4,000 groups); ``search.improve`` alternates
steps with the local search. The step works on ``GroupSearch``'s state through its public API.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from peerpear.engine.exchanges import MIN_GAIN, join_values
from peerpear.engine.local_search import GroupSearch

I64 = NDArray[np.int64]


def applies(search: GroupSearch) -> bool:
    """Single people (no must-pair units), role sides, no isolation rules and two groups or more."""
    plan = search.plan
    return (
        len(plan.sides) > 0
        and len(plan.units) == plan.n
        and not plan.iso_tags
        and plan.n_groups >= 2
    )


def _side_counts(search: GroupSearch, side: int) -> tuple[NDArray[np.bool_], I64, I64]:
    """Per group: which member slots hold ``side``, how many do, and the group's size."""
    members, taken = search.slots()
    of_side = taken & (search.plan.side_of[members] == side)
    return of_side, of_side.sum(axis=1), taken.sum(axis=1)


def spare(search: GroupSearch, side: int) -> NDArray[np.bool_]:
    """Groups that stay within their size and role range with one member of ``side`` less."""
    plan = search.plan
    _, count, size = _side_counts(search, side)
    spares: NDArray[np.bool_] = (count > plan.side_lo[side]) & (size > plan.size_lo)
    return spares


def exact_step(
    search: GroupSearch, side: int, designated: NDArray[np.bool_], rotation: int
) -> NDArray[np.bool_]:
    """One re-assignment of ``side``; returns the groups it changed (none when nothing gains).

    Every ``designated`` group that holds a member of the side gives one up; every group then
    takes back at most one, within its size and role range, and a group that would otherwise
    break its range takes exactly one.
    """
    plan = search.plan
    g_count = plan.n_groups
    members, taken = search.slots()
    of_side, count, size = _side_counts(search, side)
    no_change = np.zeros(g_count, dtype=bool)
    gives = designated & (count > 0)
    src = np.flatnonzero(gives)
    if len(src) == 0:
        return no_change
    rank = np.cumsum(of_side, axis=1) - 1
    pick = rotation % count[src]
    col = np.argmax(of_side[src] & (rank[src] == pick[:, None]), axis=1)
    removed = members[src, col]
    removed_of = np.full(g_count, -1, dtype=np.int64)
    removed_of[src] = removed
    res_mask = taken.copy()
    res_mask[src, col] = False
    res_size, res_count = size - gives, count - gives
    room = (res_size < plan.size_hi) & (res_count < plan.side_hi[side])
    must = (res_size < plan.size_lo) | (res_count < plan.side_lo[side])
    near = search.near_groups(removed)
    cand = np.concatenate([src[:, None], near], axis=1)
    rows = np.repeat(np.arange(len(src)), cand.shape[1])
    keys = np.unique(rows * g_count + cand.ravel())
    rows, cols = keys // g_count, keys % g_count
    keep = room[cols] | (cols == src[rows])
    keys, rows, cols = keys[keep], rows[keep], cols[keep]
    value = join_values(search, removed[rows], cols, removed_of, res_mask)
    spread = float(value.max() - value.min()) + 1.0
    # positive weights (a zero would drop the edge); a bonus makes groups that must take one do
    weights = value - value.min() + 1.0 + np.where(must[cols], 100.0 * spread, 0.0)
    graph = sp.csr_matrix((weights, (rows, cols)), shape=(len(src), g_count))
    try:
        r, c = min_weight_full_bipartite_matching(graph, maximize=True)
    except ValueError:
        return no_change
    chosen = np.empty(len(src), dtype=np.int64)
    chosen[r] = c
    if not np.isin(np.flatnonzero(must), chosen).all():
        return no_change  # a group left out of range: never applied
    current = np.searchsorted(keys, np.arange(len(src)) * g_count + src)
    after = np.searchsorted(keys, np.arange(len(src)) * g_count + chosen)
    if value[after].sum() - value[current].sum() <= MIN_GAIN:
        return no_change
    moving = chosen != src
    groups = np.unique(np.concatenate([src[moving], chosen[moving]]))
    before = search.total(groups)
    changed = search.move_units(plan.unit_of[removed[moving]], chosen[moving])
    if search.total(groups) < before - MIN_GAIN:  # float noise only; never keep a loss
        search.move_units(plan.unit_of[removed[moving]], src[moving])
        return no_change
    return changed
