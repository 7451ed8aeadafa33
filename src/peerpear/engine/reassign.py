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
are the groups of their ``CANDIDATE_GROUPS`` best matches plus their own, so the current grouping
is always one of the matchings: a step never lowers the objective (also checked after applying).
A step costs one sparse matching (about 20 ms for 4,000 groups); ``improve`` alternates steps with
the local search until ``IDLE_PASSES`` passes in a row find nothing, or the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from peerpear.engine.local_search import MIN_GAIN, GroupSearch
from peerpear.engine.objective import utility

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
MAX_PASSES = 150
IDLE_PASSES = 20
EARLY_STEPS = 30
STEP_CANDIDATES = 16  # candidate groups of a removed person: those of their best matches


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
    of_side = search.mmask & (search.plan.side_of[search.members] == side)
    return of_side, of_side.sum(axis=1), search.mmask.sum(axis=1)


def spare(search: GroupSearch, side: int) -> NDArray[np.bool_]:
    """Groups that stay within their size and role range with one member of ``side`` less."""
    plan = search.plan
    _, count, size = _side_counts(search, side)
    spares: NDArray[np.bool_] = (count > plan.side_lo[side]) & (size > plan.size_lo)
    return spares


def _values(
    search: GroupSearch, rows: I64, cols: I64, removed_of: I64, res_mask: NDArray[np.bool_]
) -> F64:
    """Objective change of adding person ``rows[k]`` to the rest of group ``cols[k]``."""
    a, pull, members = search.a, search.pull, search.members
    res_size = res_mask.sum(axis=1)
    rg = removed_of[cols]
    has = rg >= 0
    rg_safe = np.where(has, rg, 0)
    mem = members[cols]  # (E, W)
    mask = res_mask[cols]
    sum_p = pull[cols, rows] - np.where(has, a[rows, rg_safe], 0.0)
    base_m = pull[cols[:, None], mem] - np.where(has[:, None], a[mem, rg_safe[:, None]], 0.0)
    sum_m = base_m + a[mem, rows[:, None]]
    s = np.maximum(res_size[cols], 1)[:, None]
    objective = search.objective
    new = utility(sum_p / s[:, 0], objective)
    new += (utility(sum_m / s, objective) * mask).sum(axis=1)
    old = (utility(base_m / np.maximum(s - 1, 1), objective) * mask).sum(axis=1)
    old[res_size[cols] < 2] = 0.0
    value: F64 = new - old
    if search.cost_pull is not None:
        cost = search.cost_pull[cols, rows]
        if has.any():
            cost[has] -= np.asarray(search.plan.cost[rows[has], rg[has]]).ravel()
        value -= cost
    return value


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
    members, mmask = search.members, search.mmask
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
    res_mask = mmask.copy()
    res_mask[src, col] = False
    res_size, res_count = size - gives, count - gives
    room = (res_size < plan.size_hi) & (res_count < plan.side_hi[side])
    must = (res_size < plan.size_lo) | (res_count < plan.side_lo[side])
    group_of_person = search.unit_group[plan.unit_of]
    near = group_of_person[search.neighbours[removed, :STEP_CANDIDATES]]
    cand = np.concatenate([src[:, None], near], axis=1)
    rows = np.repeat(np.arange(len(src)), cand.shape[1])
    keys = np.unique(rows * g_count + cand.ravel())
    rows, cols = keys // g_count, keys % g_count
    keep = room[cols] | (cols == src[rows])
    keys, rows, cols = keys[keep], rows[keep], cols[keep]
    value = _values(search, removed[rows], cols, removed_of, res_mask)
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


def _designate(
    search: GroupSearch, side: int, rotation: int, rng: np.random.Generator
) -> NDArray[np.bool_] | None:
    """Which groups give a member of ``side`` in pass ``rotation``; None to skip the pass.

    Every group for each rotation of who gives, then random halves that let a member leave one
    group and another join a third (chains that change group sizes); groups that can spare one
    always give in those, since only they start a chain. With a fixed count per group a random
    half adds nothing to "every group".
    """
    plan = search.plan
    if rotation < int(plan.side_hi[side]):
        return np.ones(plan.n_groups, dtype=bool)
    if plan.side_lo[side] == plan.side_hi[side]:
        return None
    designated: NDArray[np.bool_] = (rng.random(plan.n_groups) < 0.5) | spare(search, side)
    return designated


def improve(
    search: GroupSearch,
    deadline: float,
    on_round: Callable[[int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> None:
    """Local search to a local optimum; in role modes, exact steps first and in between.

    ``EARLY_STEPS`` steps run straight on the construction: cheap, they fix much of what the
    first passes of the local search would (which matters when the budget is short). Then the
    local search, and steps each followed by the local search until ``IDLE_PASSES`` passes in a
    row change nothing. Subsets come from a fixed seed: the same input gives the same result.
    """
    done = 0

    def rounds(count: int) -> None:
        if on_round is not None:
            on_round(done + count)

    if not applies(search):
        search.run(deadline, rounds, stop)
        return
    sides = len(search.plan.sides)
    rng = np.random.default_rng(len(search.plan.units))
    for step in range(EARLY_STEPS):
        designated = _designate(search, step % sides, step // sides, rng)
        if time.monotonic() > deadline:
            break
        if designated is not None:
            exact_step(search, step % sides, designated, step // sides)
    done += search.run(deadline, rounds, stop)
    idle, step = 0, 0
    patience = sides * (int(search.plan.side_hi.max()) + IDLE_PASSES)
    while idle < patience and step < MAX_PASSES * sides and time.monotonic() <= deadline:
        side, rotation = step % sides, step // sides
        designated = _designate(search, side, rotation, rng)
        step += 1
        changed = None if designated is None else exact_step(search, side, designated, rotation)
        if changed is None or not changed.any():
            idle += 1
            continue
        idle = 0
        done += search.run(deadline, rounds, stop)  # from the changed groups to a local optimum
