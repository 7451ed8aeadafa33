"""Local search over groups: moves and swaps of must-pair units, under hard rules.

State: ``pull[g, x]`` = sum of affinities from person x to the members of group g. With it, a
person's satisfaction after any swap is ``pull[g, x] - a(x, out) + a(x, in)`` over the new size,
so every candidate (a swap of unit u with a unit of another group, or a move of u, written as a
swap with an empty unit) is scored exactly with a few gathers, vectorized over all candidates of
u. Sizes and role quotas are checked per candidate; never-pairs and repeated pairs enter as pair
costs kept in a second ``cost_pull`` matrix, and isolation as a prohibitive per-person cost, so the
search also repairs a start that breaks them.

For large instances each unit only looks at the ``CANDIDATE_GROUPS`` groups it is most drawn to.
The search stops at a local optimum, after ``MAX_SWEEPS`` sweeps, or at the deadline; small
inputs reach a local optimum long before any deadline, so their results do not depend on timing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.construct import I64
from peerpear.engine.errors import Cancelled
from peerpear.engine.objective import ISOLATION_COST, utility
from peerpear.engine.plan import Plan

CANDIDATE_GROUPS = 8
MAX_SWEEPS = 60
MIN_GAIN = 1e-9
F64 = NDArray[np.float64]


class GroupSearch:
    def __init__(
        self, plan: Plan, affinity: NDArray[np.float32], group_of_unit: I64, objective: str
    ) -> None:
        self.plan, self.a, self.objective = plan, affinity, objective
        nu, g = len(plan.units), plan.n_groups
        width = max(len(m) for m in plan.units)
        # one extra, empty unit (index nu) stands for "nobody": a move is a swap with it
        self.um = np.zeros((nu + 1, width), dtype=np.int64)
        self.umask = np.zeros((nu + 1, width), dtype=bool)
        for u, members in enumerate(plan.units):
            self.um[u, : len(members)] = members
            self.umask[u, : len(members)] = True
        self.usize = self.umask.sum(axis=1)
        sides = max(len(plan.sides), 1)
        self.uside = np.zeros((nu + 1, sides), dtype=np.int64)
        self.uiso = np.zeros((nu + 1, max(len(plan.iso_tags), 1)), dtype=np.int64)
        for u, members in enumerate(plan.units):
            for t in range(len(plan.sides)):
                self.uside[u, t] = int((plan.side_of[members] == t).sum())
            if plan.iso_tags:
                self.uiso[u] = plan.iso_member[members].sum(axis=0)
        self.side_lo = plan.side_lo if plan.sides else np.zeros(1, np.int64)
        self.side_hi = plan.side_hi if plan.sides else np.full(1, plan.n, np.int64)
        self.ucost = np.zeros(nu + 1)
        if plan.has_costs:
            for u, members in enumerate(plan.units):
                self.ucost[u] = plan.cost[members][:, members].sum()
        self.unit_group = np.append(group_of_unit, -1)
        self.group_units: list[list[int]] = [[] for _ in range(g)]
        for u in range(nu):
            self.group_units[int(group_of_unit[u])].append(u)
        self.pull = np.zeros((g, plan.n))
        self.cost_pull = np.zeros((g, plan.n)) if plan.has_costs else None
        self.size = np.zeros(g, dtype=np.int64)
        self.side_count = np.zeros((g, sides), dtype=np.int64)
        self.iso_count = np.zeros((g, self.uiso.shape[1]), dtype=np.int64)
        self.members = np.zeros((g, plan.size_hi), dtype=np.int64)
        self.mmask = np.zeros((g, plan.size_hi), dtype=bool)
        self.group_util = np.zeros(g)
        for group in range(g):
            for u in self.group_units[group]:
                self._add(u, group, +1)
            self._refresh(group)

    def _add(self, unit: int, group: int, sign: int) -> None:
        members = self.um[unit, : self.usize[unit]]
        self.pull[group] += sign * self.a[members].sum(axis=0, dtype=np.float64)
        if self.cost_pull is not None:
            self.cost_pull[group] += sign * np.asarray(self.plan.cost[members].sum(axis=0)).ravel()
        self.size[group] += sign * len(members)
        self.side_count[group] += sign * self.uside[unit]
        self.iso_count[group] += sign * self.uiso[unit]

    def _refresh(self, group: int) -> None:
        units = self.group_units[group]
        people = np.concatenate([self.um[u, : self.usize[u]] for u in units])
        self.members[group] = 0
        self.mmask[group] = False
        self.members[group, : len(people)] = people
        self.mmask[group, : len(people)] = True
        s = self.pull[group, people] / max(len(people) - 1, 1)
        self.group_util[group] = float(utility(s, self.objective).sum())

    def _candidate_groups(self, unit: int, own: int) -> I64:
        g = self.plan.n_groups
        if g - 1 <= CANDIDATE_GROUPS:
            return np.array([b for b in range(g) if b != own], dtype=np.int64)
        members = self.um[unit, : self.usize[unit]]
        draw = self.pull[:, members].sum(axis=1) / np.maximum(self.size, 1)
        draw[own] = -np.inf
        top = np.argpartition(-draw, CANDIDATE_GROUPS)[:CANDIDATE_GROUPS]
        return np.sort(top)

    def best_exchange(self, unit: int) -> tuple[float, int, int]:
        """(gain, other unit, its group) of the best exchange for ``unit``; gain <= 0 if none."""
        a = int(self.unit_group[unit])
        groups = self._candidate_groups(unit, a)
        nu = len(self.plan.units)
        cu = np.concatenate([np.append(self.group_units[b], nu) for b in groups]).astype(np.int64)
        cb = np.concatenate([np.full(len(self.group_units[b]) + 1, b) for b in groups])
        mu = int(self.usize[unit])
        na = self.size[a] - mu + self.usize[cu]
        nb = self.size[cb] - self.usize[cu] + mu
        lo, hi = self.plan.size_lo, self.plan.size_hi
        ok = (na >= lo) & (na <= hi) & (nb >= lo) & (nb <= hi)
        side_a = self.side_count[a] - self.uside[unit] + self.uside[cu]
        side_b = self.side_count[cb] - self.uside[cu] + self.uside[unit]
        for sides in (side_a, side_b):
            ok &= ((sides >= self.side_lo) & (sides <= self.side_hi)).all(axis=1)
        cu, cb, na, nb = cu[ok], cb[ok], na[ok], nb[ok]
        if len(cu) == 0:
            return 0.0, -1, -1
        gain = self._utility_gain(unit, a, cu, cb, na, nb)
        iso_a = self.iso_count[a] - self.uiso[unit] + self.uiso[cu]
        iso_b = self.iso_count[cb] - self.uiso[cu] + self.uiso[unit]
        before = (self.iso_count[a] == 1).sum() + (self.iso_count[cb] == 1).sum(axis=1)
        gain -= ISOLATION_COST * ((iso_a == 1).sum(axis=1) + (iso_b == 1).sum(axis=1) - before)
        if self.cost_pull is not None:
            gain -= self._cost_change(unit, a, cu, cb)
        best = int(np.argmax(gain))
        return float(gain[best]), int(cu[best]), int(cb[best])

    def _utility_gain(self, unit: int, a: int, cu: I64, cb: I64, na: I64, nb: I64) -> F64:
        u_in = self.um[unit, : self.usize[unit]]
        v_in, v_mask = self.um[cu], self.umask[cu]
        own = self.members[a][self.mmask[a]]
        rest_a = own[~np.isin(own, u_in)]
        # new group a: the rest of a plus the incoming unit
        xa = np.concatenate([np.broadcast_to(rest_a, (len(cu), len(rest_a))), v_in], axis=1)
        xa_mask = np.concatenate([np.ones((len(cu), len(rest_a)), bool), v_mask], axis=1)
        sum_a = self.pull[a][xa] - self._sum_to(xa, u_in) + self._sum_to_units(xa, v_in, v_mask)
        util_a = (utility(sum_a / (na - 1)[:, None], self.objective) * xa_mask).sum(axis=1)
        # new group b: its members minus the outgoing unit, plus ``unit``
        mb = self.members[cb]
        mb_mask = self.mmask[cb] & (self.plan.unit_of[mb] != cu[:, None])
        xb = np.concatenate([mb, np.broadcast_to(u_in, (len(cu), len(u_in)))], axis=1)
        xb_mask = np.concatenate([mb_mask, np.ones((len(cu), len(u_in)), bool)], axis=1)
        pull_b = self.pull[cb[:, None], xb]
        sum_b = pull_b - self._sum_to_units(xb, v_in, v_mask) + self._sum_to(xb, u_in)
        util_b = (utility(sum_b / (nb - 1)[:, None], self.objective) * xb_mask).sum(axis=1)
        result: F64 = util_a + util_b - self.group_util[a] - self.group_util[cb]
        return result

    def _sum_to(self, people: I64, targets: I64) -> F64:
        """sum over ``targets`` of a(person, target), for each entry of ``people``."""
        sums: F64 = self.a[people[..., None], targets].sum(axis=-1, dtype=np.float64)
        return sums

    def _sum_to_units(self, people: I64, units: I64, mask: NDArray[np.bool_]) -> F64:
        """Row c of ``people`` against the members of candidate unit c (padded, masked)."""
        values = self.a[people[:, :, None], units[:, None, :]] * mask[:, None, :]
        sums: F64 = values.sum(axis=-1, dtype=np.float64)
        return sums

    def _cost_change(self, unit: int, a: int, cu: I64, cb: I64) -> F64:
        assert self.cost_pull is not None
        u_in = self.um[unit, : self.usize[unit]]
        v_in, v_mask = self.um[cu], self.umask[cu]
        cost_u = np.asarray(self.plan.cost[u_in].sum(axis=0)).ravel()
        cross = (cost_u[v_in] * v_mask).sum(axis=1)
        pv_a = (self.cost_pull[a][v_in] * v_mask).sum(axis=1)
        pv_b = (self.cost_pull[cb[:, None], v_in] * v_mask).sum(axis=1)
        pu_a = self.cost_pull[a, u_in].sum()
        pu_b = self.cost_pull[cb[:, None], u_in].sum(axis=1)
        change: F64 = pv_a - 2 * cross + pu_b - pu_a + self.ucost[unit] - pv_b + self.ucost[cu]
        return change

    def apply(self, unit: int, other: int, b: int) -> None:
        a = int(self.unit_group[unit])
        nu = len(self.plan.units)
        self._add(unit, a, -1)
        self._add(unit, b, +1)
        self.group_units[a].remove(unit)
        self.group_units[b].append(unit)
        self.unit_group[unit] = b
        if other != nu:
            self._add(other, b, -1)
            self._add(other, a, +1)
            self.group_units[b].remove(other)
            self.group_units[a].append(other)
            self.unit_group[other] = a
        self._refresh(a)
        self._refresh(b)

    def run(
        self,
        rng: np.random.Generator,
        deadline: float,
        on_sweep: Callable[[int], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> int:
        """Improves until a local optimum, the sweep cap or the deadline; returns sweeps done."""
        nu = len(self.plan.units)
        for sweep in range(MAX_SWEEPS):
            improved = False
            for step, unit in enumerate(rng.permutation(nu)):
                gain, other, b = self.best_exchange(int(unit))
                if gain > MIN_GAIN:
                    self.apply(int(unit), other, b)
                    improved = True
                if step % 64 == 0 and stop is not None and stop():
                    raise Cancelled("the run was cancelled")
                if time.monotonic() > deadline:
                    return sweep + 1
            if on_sweep is not None:
                on_sweep(sweep)
            if not improved:
                return sweep + 1
        return MAX_SWEEPS

    def groups(self) -> list[list[int]]:
        return [
            sorted(int(p) for u in units for p in self.um[u, : self.usize[u]])
            for units in self.group_units
        ]
