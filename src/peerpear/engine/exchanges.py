"""Exact scores of changes to a grouping: exchanges of two units, and a person joining a group.

Every candidate (a swap of unit u with a unit of another group, or a move of u, written as a
swap with the empty unit) is scored exactly from ``GroupState``'s sums with a few gathers,
vectorized over all candidates of u: a person's satisfaction after the swap is
``pull[g, x] - a(x, out) + a(x, in)`` over the new size. Sizes and role quotas are checked per
candidate; never-pairs and repeated pairs enter as pair costs, isolation as a prohibitive
per-person cost (``objective.py``), so an exchange can also repair a grouping that breaks them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.construct import I64
from peerpear.engine.group_state import GroupState
from peerpear.engine.objective import ISOLATION_COST, utility

F64 = NDArray[np.float64]
MIN_GAIN = 1e-9  # a smaller gain is float noise: never applied


def join_values(
    state: GroupState, people: I64, groups: I64, removed_of: I64, rest: NDArray[np.bool_]
) -> F64:
    """Objective change of adding ``people[k]`` to what is left of group ``groups[k]``.

    What is left: the slots in ``rest`` (a mask like ``slots()``'s), group g without its
    member ``removed_of[g]`` (-1: none removed). Rule costs are included.
    """
    a, pull, members = state.a, state.pull, state.members
    rest_size = rest.sum(axis=1)
    rg = removed_of[groups]
    has = rg >= 0
    rg_safe = np.where(has, rg, 0)
    mem = members[groups]  # (E, W)
    mask = rest[groups]
    sum_p = pull[groups, people] - np.where(has, a[people, rg_safe], 0.0)
    base_m = pull[groups[:, None], mem] - np.where(has[:, None], a[mem, rg_safe[:, None]], 0.0)
    sum_m = base_m + a[mem, people[:, None]]
    s = np.maximum(rest_size[groups], 1)[:, None]
    new = utility(sum_p / s[:, 0], state.objective)
    new += (utility(sum_m / s, state.objective) * mask).sum(axis=1)
    old = (utility(base_m / np.maximum(s - 1, 1), state.objective) * mask).sum(axis=1)
    old[rest_size[groups] < 2] = 0.0
    value: F64 = new - old
    if state.cost_pull is not None:
        cost = state.cost_pull[groups, people]
        if has.any():
            cost[has] -= np.asarray(state.plan.cost[people[has], rg[has]]).ravel()
        value -= cost
    return value


def best_exchanges(state: GroupState, units: I64) -> tuple[F64, I64, I64]:
    """For each unit: (gain, other unit, its group) of its best exchange; -inf if none."""
    a = state.unit_group[units]
    groups = state._candidate_groups(units)
    width = state.gunits.shape[1]
    cu = state.gunits[groups].reshape(len(units), -1)
    cb = np.repeat(groups, width, axis=1)
    mu = state.usize[units][:, None]
    na = state.size[a][:, None] - mu + state.usize[cu]
    nb = state.size[cb] - state.usize[cu] + mu
    lo, hi = state.plan.size_lo, state.plan.size_hi
    ok = (na >= lo) & (na <= hi) & (nb >= lo) & (nb <= hi) & (cb != a[:, None])
    if state.plan.sides:
        u_side = state.uside[units][:, None, :]
        side_a = state.side_count[a][:, None, :] - u_side + state.uside[cu]
        side_b = state.side_count[cb] - state.uside[cu] + u_side
        for sides in (side_a, side_b):
            ok &= ((sides >= state.side_lo) & (sides <= state.side_hi)).all(axis=2)
    gain = _utility_gain(state, units, a, cu, cb, np.maximum(na, 2), np.maximum(nb, 2))
    if state.plan.iso_tags:
        u_iso = state.uiso[units][:, None, :]
        iso_a = state.iso_count[a][:, None, :] - u_iso + state.uiso[cu]
        iso_b = state.iso_count[cb] - state.uiso[cu] + u_iso
        before = (state.iso_count[a] == 1).sum(axis=1)[:, None]
        before = before + (state.iso_count[cb] == 1).sum(axis=2)
        after = (iso_a == 1).sum(axis=2) + (iso_b == 1).sum(axis=2)
        gain -= ISOLATION_COST * (after - before)
    if state.cost_pull is not None:
        gain -= _cost_change(state, units, a, cu, cb)
    gain[~ok] = -np.inf
    best = np.argmax(gain, axis=1)
    rows = np.arange(len(units))
    return gain[rows, best], cu[rows, best], cb[rows, best]


def _utility_gain(state: GroupState, units: I64, a: I64, cu: I64, cb: I64, na: I64, nb: I64) -> F64:
    """Change of the utility of groups a and b, for every (unit, candidate)."""
    c = cu.shape[1]
    u_in, u_mask = state.um[units], state.umask[units]  # (B, um)
    v_in, v_mask = state.um[cu], state.umask[cu]  # (B, C, um)
    unit_of = state.plan.unit_of
    # new group a: its members except the unit (masked out), plus the incoming unit
    own, own_mask = state.members[a], state.mmask[a]
    own_mask = own_mask & (unit_of[own] != units[:, None])
    xa = np.concatenate([np.repeat(own[:, None, :], c, axis=1), v_in], axis=2)
    xa_mask = np.concatenate([np.repeat(own_mask[:, None, :], c, axis=1), v_mask], axis=2)
    pull_a = state.pull[a[:, None, None], xa]
    sum_a = pull_a - _sum_to(state, xa, u_in[:, None, :], u_mask[:, None, :])
    sum_a += _sum_to(state, xa, v_in, v_mask)
    util_a = (utility(sum_a / (na - 1)[..., None], state.objective) * xa_mask).sum(axis=2)
    # new group b: its members minus the outgoing unit, plus the unit
    mb = state.members[cb]
    mb_mask = state.mmask[cb] & (unit_of[mb] != cu[..., None])
    xb = np.concatenate([mb, np.repeat(u_in[:, None, :], c, axis=1)], axis=2)
    xb_mask = np.concatenate([mb_mask, np.repeat(u_mask[:, None, :], c, axis=1)], axis=2)
    pull_b = state.pull[cb[..., None], xb]
    sum_b = pull_b - _sum_to(state, xb, v_in, v_mask)
    sum_b += _sum_to(state, xb, u_in[:, None, :], u_mask[:, None, :])
    util_b = (utility(sum_b / (nb - 1)[..., None], state.objective) * xb_mask).sum(axis=2)
    result: F64 = util_a + util_b - state.group_util[a][:, None] - state.group_util[cb]
    return result


def _sum_to(state: GroupState, people: I64, targets: I64, mask: NDArray[np.bool_]) -> F64:
    """sum over the (masked) ``targets`` of each row of a(person, target)."""
    values = state.a[people[..., None], targets[:, :, None, :]] * mask[:, :, None, :]
    sums: F64 = values.sum(axis=-1, dtype=np.float64)
    return sums


def _cost_change(state: GroupState, units: I64, a: I64, cu: I64, cb: I64) -> F64:
    assert state.cost_pull is not None
    u_in, u_mask = state.um[units][:, None, :], state.umask[units][:, None, :]
    v_in, v_mask = state.um[cu], state.umask[cu]
    cross = _pair_costs(state, u_in, u_mask, v_in, v_mask)
    pv_a = (state.cost_pull[a[:, None, None], v_in] * v_mask).sum(axis=2)
    pv_b = (state.cost_pull[cb[..., None], v_in] * v_mask).sum(axis=2)
    pu_a = (state.cost_pull[a[:, None, None], u_in] * u_mask).sum(axis=2)
    pu_b = (state.cost_pull[cb[..., None], u_in] * u_mask).sum(axis=2)
    u_cost = state.ucost[units][:, None]
    change: F64 = pv_a - 2 * cross + pu_b - pu_a + u_cost - pv_b + state.ucost[cu]
    return change


def _pair_costs(
    state: GroupState, u_in: I64, u_mask: NDArray[np.bool_], v_in: I64, v_mask: NDArray[np.bool_]
) -> F64:
    """Rule cost between the unit and each candidate unit, summed over member pairs."""
    rows = np.broadcast_to(u_in[..., None], (*v_in.shape[:2], u_in.shape[2], v_in.shape[2]))
    cols = np.broadcast_to(v_in[:, :, None, :], rows.shape)
    mask = u_mask[..., None] & v_mask[:, :, None, :]
    values = np.asarray(state.plan.cost[rows.ravel(), cols.ravel()]).reshape(rows.shape)
    sums: F64 = (values * mask).sum(axis=(2, 3))
    return sums
