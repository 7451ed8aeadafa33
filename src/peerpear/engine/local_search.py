"""Local search over groups: moves and swaps of must-pair units, under hard rules.

State: ``pull[g, x]`` = sum of affinities from person x to the members of group g. With it, a
person's satisfaction after any swap is ``pull[g, x] - a(x, out) + a(x, in)`` over the new size,
so every candidate (a swap of unit u with a unit of another group, or a move of u, written as a
swap with an empty unit) is scored exactly with a few gathers, vectorized over all candidates of
u. Sizes and role quotas are checked per candidate; never-pairs and repeated pairs enter as pair
costs kept in a second ``cost_pull`` matrix, and isolation as a prohibitive per-person cost, so the
search also repairs a start that breaks them.

For large instances each unit only looks at the groups of its first member's ``BEST_MATCHES``
best matches.

The exact re-assignment (``reassign.py``) works on the same state through a small public API:
``slots`` (who is in which group), ``near_groups``, ``join_values``, ``move_units``, ``total``.
The search stops at a local optimum, after ``MAX_ROUNDS`` rounds, or at the deadline; small
inputs reach a local optimum long before any deadline, so their results do not depend on timing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.construct import I64
from peerpear.engine.errors import Cancelled
from peerpear.engine.neighbours import BEST_MATCHES
from peerpear.engine.objective import ISOLATION_COST, utility
from peerpear.engine.plan import Plan
from peerpear.engine.problem import Objective

MAX_ROUNDS = 500
CHUNK_ELEMENTS = 400_000
MIN_GAIN = 1e-9
F64 = NDArray[np.float64]


class GroupSearch:
    def __init__(
        self,
        plan: Plan,
        affinity: NDArray[np.float32],
        group_of_unit: I64,
        objective: Objective,
        neighbours: I64,
    ) -> None:
        self.plan, self.a, self.objective = plan, affinity, objective
        self.neighbours = neighbours[:, :BEST_MATCHES]
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
        # units per group padded with the empty unit: every row offers at least one move
        self.gunits = np.full((g, plan.size_hi + 1), nu, dtype=np.int64)
        self.group_util = np.zeros(g)
        # when each group last changed and each unit was last scored (rounds of ``run``)
        self.clock = 0
        self.changed = np.zeros(g, dtype=np.int64)
        self.scored = np.full(nu, -1, dtype=np.int64)
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
        self.gunits[group] = len(self.plan.units)
        self.gunits[group, : len(units)] = units
        s = self.pull[group, people] / max(len(people) - 1, 1)
        self.group_util[group] = float(utility(s, self.objective).sum())

    def _candidate_groups(self, units: I64) -> I64:
        """Per unit, the other groups it may join: all, or the ones it is most drawn to."""
        g = self.plan.n_groups
        own = self.unit_group[units]
        if g - 1 <= BEST_MATCHES:
            others = np.arange(g - 1)[None, :]
            result: I64 = np.where(others < own[:, None], others, others + 1)
            return result
        # the groups of the unit's first member's best matches (own group masked by the caller)
        return self.near_groups(self.um[units, 0])

    def near_groups(self, people: I64) -> I64:
        """Per person, the current groups of their ``BEST_MATCHES`` best matches."""
        near: I64 = self.unit_group[self.plan.unit_of][self.neighbours[people]]
        return near

    def slots(self) -> tuple[I64, NDArray[np.bool_]]:
        """Members of each group (rows padded to the largest size) and which slots are taken.

        Read-only views of the search's state; they change with every move.
        """
        return self.members, self.mmask

    def group_of_units(self) -> I64:
        """The current group of every must-pair unit (a copy)."""
        groups: I64 = self.unit_group[:-1].copy()
        return groups

    def join_values(
        self, people: I64, groups: I64, removed_of: I64, rest: NDArray[np.bool_]
    ) -> F64:
        """Objective change of adding ``people[k]`` to what is left of group ``groups[k]``.

        What is left: the slots in ``rest`` (a mask like ``slots()``'s), group g without its
        member ``removed_of[g]`` (-1: none removed). Rule costs are included.
        """
        a, pull, members = self.a, self.pull, self.members
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
        new = utility(sum_p / s[:, 0], self.objective)
        new += (utility(sum_m / s, self.objective) * mask).sum(axis=1)
        old = (utility(base_m / np.maximum(s - 1, 1), self.objective) * mask).sum(axis=1)
        old[rest_size[groups] < 2] = 0.0
        value: F64 = new - old
        if self.cost_pull is not None:
            cost = self.cost_pull[groups, people]
            if has.any():
                cost[has] -= np.asarray(self.plan.cost[people[has], rg[has]]).ravel()
            value -= cost
        return value

    def best_exchanges(self, units: I64) -> tuple[F64, I64, I64]:
        """For each unit: (gain, other unit, its group) of its best exchange; -inf if none."""
        a = self.unit_group[units]
        groups = self._candidate_groups(units)
        width = self.gunits.shape[1]
        cu = self.gunits[groups].reshape(len(units), -1)
        cb = np.repeat(groups, width, axis=1)
        mu = self.usize[units][:, None]
        na = self.size[a][:, None] - mu + self.usize[cu]
        nb = self.size[cb] - self.usize[cu] + mu
        lo, hi = self.plan.size_lo, self.plan.size_hi
        ok = (na >= lo) & (na <= hi) & (nb >= lo) & (nb <= hi) & (cb != a[:, None])
        if self.plan.sides:
            u_side = self.uside[units][:, None, :]
            side_a = self.side_count[a][:, None, :] - u_side + self.uside[cu]
            side_b = self.side_count[cb] - self.uside[cu] + u_side
            for sides in (side_a, side_b):
                ok &= ((sides >= self.side_lo) & (sides <= self.side_hi)).all(axis=2)
        gain = self._utility_gain(units, a, cu, cb, np.maximum(na, 2), np.maximum(nb, 2))
        if self.plan.iso_tags:
            u_iso = self.uiso[units][:, None, :]
            iso_a = self.iso_count[a][:, None, :] - u_iso + self.uiso[cu]
            iso_b = self.iso_count[cb] - self.uiso[cu] + u_iso
            before = (self.iso_count[a] == 1).sum(axis=1)[:, None]
            before = before + (self.iso_count[cb] == 1).sum(axis=2)
            after = (iso_a == 1).sum(axis=2) + (iso_b == 1).sum(axis=2)
            gain -= ISOLATION_COST * (after - before)
        if self.cost_pull is not None:
            gain -= self._cost_change(units, a, cu, cb)
        gain[~ok] = -np.inf
        best = np.argmax(gain, axis=1)
        rows = np.arange(len(units))
        return gain[rows, best], cu[rows, best], cb[rows, best]

    def _utility_gain(self, units: I64, a: I64, cu: I64, cb: I64, na: I64, nb: I64) -> F64:
        """Change of the utility of groups a and b, for every (unit, candidate)."""
        c = cu.shape[1]
        u_in, u_mask = self.um[units], self.umask[units]  # (B, um)
        v_in, v_mask = self.um[cu], self.umask[cu]  # (B, C, um)
        unit_of = self.plan.unit_of
        # new group a: its members except the unit (masked out), plus the incoming unit
        own, own_mask = self.members[a], self.mmask[a]
        own_mask = own_mask & (unit_of[own] != units[:, None])
        xa = np.concatenate([np.repeat(own[:, None, :], c, axis=1), v_in], axis=2)
        xa_mask = np.concatenate([np.repeat(own_mask[:, None, :], c, axis=1), v_mask], axis=2)
        pull_a = self.pull[a[:, None, None], xa]
        sum_a = pull_a - self._sum_to(xa, u_in[:, None, :], u_mask[:, None, :])
        sum_a += self._sum_to(xa, v_in, v_mask)
        util_a = (utility(sum_a / (na - 1)[..., None], self.objective) * xa_mask).sum(axis=2)
        # new group b: its members minus the outgoing unit, plus the unit
        mb = self.members[cb]
        mb_mask = self.mmask[cb] & (unit_of[mb] != cu[..., None])
        xb = np.concatenate([mb, np.repeat(u_in[:, None, :], c, axis=1)], axis=2)
        xb_mask = np.concatenate([mb_mask, np.repeat(u_mask[:, None, :], c, axis=1)], axis=2)
        pull_b = self.pull[cb[..., None], xb]
        sum_b = pull_b - self._sum_to(xb, v_in, v_mask)
        sum_b += self._sum_to(xb, u_in[:, None, :], u_mask[:, None, :])
        util_b = (utility(sum_b / (nb - 1)[..., None], self.objective) * xb_mask).sum(axis=2)
        result: F64 = util_a + util_b - self.group_util[a][:, None] - self.group_util[cb]
        return result

    def _sum_to(self, people: I64, targets: I64, mask: NDArray[np.bool_]) -> F64:
        """sum over the (masked) ``targets`` of each row of a(person, target)."""
        values = self.a[people[..., None], targets[:, :, None, :]] * mask[:, :, None, :]
        sums: F64 = values.sum(axis=-1, dtype=np.float64)
        return sums

    def _cost_change(self, units: I64, a: I64, cu: I64, cb: I64) -> F64:
        assert self.cost_pull is not None
        u_in, u_mask = self.um[units][:, None, :], self.umask[units][:, None, :]
        v_in, v_mask = self.um[cu], self.umask[cu]
        cross = self._pair_costs(u_in, u_mask, v_in, v_mask)
        pv_a = (self.cost_pull[a[:, None, None], v_in] * v_mask).sum(axis=2)
        pv_b = (self.cost_pull[cb[..., None], v_in] * v_mask).sum(axis=2)
        pu_a = (self.cost_pull[a[:, None, None], u_in] * u_mask).sum(axis=2)
        pu_b = (self.cost_pull[cb[..., None], u_in] * u_mask).sum(axis=2)
        u_cost = self.ucost[units][:, None]
        change: F64 = pv_a - 2 * cross + pu_b - pu_a + u_cost - pv_b + self.ucost[cu]
        return change

    def _pair_costs(
        self, u_in: I64, u_mask: NDArray[np.bool_], v_in: I64, v_mask: NDArray[np.bool_]
    ) -> F64:
        """Rule cost between the unit and each candidate unit, summed over member pairs."""
        rows = np.broadcast_to(u_in[..., None], (*v_in.shape[:2], u_in.shape[2], v_in.shape[2]))
        cols = np.broadcast_to(v_in[:, :, None, :], rows.shape)
        mask = u_mask[..., None] & v_mask[:, :, None, :]
        values = np.asarray(self.plan.cost[rows.ravel(), cols.ravel()]).reshape(rows.shape)
        sums: F64 = (values * mask).sum(axis=(2, 3))
        return sums

    def _move(self, unit: int, a: int, b: int) -> None:
        """Moves ``unit`` from group ``a`` to group ``b``; the caller refreshes both."""
        self._add(unit, a, -1)
        self._add(unit, b, +1)
        self.group_units[a].remove(unit)
        self.group_units[b].append(unit)
        self.unit_group[unit] = b

    def apply(self, unit: int, other: int, b: int) -> None:
        a = int(self.unit_group[unit])
        self._move(unit, a, b)
        if other != len(self.plan.units):
            self._move(other, b, a)
        self._refresh(a)
        self._refresh(b)
        self.changed[[a, b]] = self.clock

    def move_units(self, units: I64, targets: I64) -> NDArray[np.bool_]:
        """Moves each unit to its target group (sizes are the caller's concern); changed groups."""
        changed = np.zeros(self.plan.n_groups, dtype=bool)
        for unit, b in zip(units.tolist(), targets.tolist(), strict=True):
            a = int(self.unit_group[unit])
            if a == b:
                continue
            self._move(unit, a, b)
            changed[a] = changed[b] = True
        for group in np.flatnonzero(changed):
            self._refresh(int(group))
        self.changed[changed] = self.clock
        return changed

    def total(self, groups: I64) -> float:
        """The objective restricted to ``groups``: their utility minus their pairs' rule costs."""
        value = float(self.group_util[groups].sum())
        if self.cost_pull is not None:
            inside = self.cost_pull[groups[:, None], self.members[groups]] * self.mmask[groups]
            value -= float(inside.sum()) / 2
        if self.plan.iso_tags:
            value -= ISOLATION_COST * float((self.iso_count[groups] == 1).sum())
        return value

    def run(
        self,
        deadline: float,
        on_round: Callable[[int], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> int:
        """Improves until a local optimum, the round cap or the deadline; returns rounds done.

        Each round scores the best exchange of every unit in one vectorized pass, then applies
        the best ones whose two groups no earlier exchange of the round touched, so every applied
        gain is exact. After a round only units of changed groups are rescored; when that finds
        nothing, every unit whose own or candidate groups changed since it was last scored is
        rescored (at the start: every unit), and when that finds nothing too, no exchange gains:
        a local optimum. Later calls start from what changed since (``move_units``).
        """
        nu = len(self.plan.units)
        if self.plan.n_groups < 2:
            return 0  # one group: nothing to exchange
        todo = self._stale()
        for done in range(1, MAX_ROUNDS + 1):
            if len(todo) == 0:
                return done - 1
            self.clock += 1
            gains, others, targets = self._score(todo, deadline, stop)
            touched = np.zeros(self.plan.n_groups, dtype=bool)
            for i in np.argsort(-gains, kind="stable"):
                if not gains[i] > MIN_GAIN:
                    break
                unit, b = int(todo[i]), int(targets[i])
                a = int(self.unit_group[unit])
                if touched[a] or touched[b]:
                    continue
                self.apply(unit, int(others[i]), b)
                touched[a] = touched[b] = True
            if on_round is not None:
                on_round(done)
            if time.monotonic() > deadline:
                return done
            # the units of changed groups first; once they settle, everything that went stale
            todo = np.flatnonzero(touched[self.unit_group[:nu]]) if touched.any() else self._stale()
        return MAX_ROUNDS

    def _stale(self) -> I64:
        """Units whose own group or a candidate group changed since they were last scored."""
        units = np.arange(len(self.plan.units))
        last = self.changed[self.unit_group[units]]
        candidates = self._candidate_groups(units)
        if candidates.shape[1]:
            last = np.maximum(last, self.changed[candidates].max(axis=1))
        stale: I64 = np.flatnonzero(last >= self.scored)
        return stale

    def _score(
        self, units: I64, deadline: float, stop: Callable[[], bool] | None
    ) -> tuple[F64, I64, I64]:
        """``best_exchanges`` in chunks that keep the gathered arrays small."""
        width = self.members.shape[1] + self.um.shape[1]
        per_unit = min(BEST_MATCHES, self.plan.n_groups) * self.gunits.shape[1] * width
        chunk = max(1, CHUNK_ELEMENTS // (per_unit * self.um.shape[1]))
        gains = np.full(len(units), -np.inf)
        others = np.zeros(len(units), dtype=np.int64)
        targets = np.zeros(len(units), dtype=np.int64)
        for start in range(0, len(units), chunk):
            part = slice(start, start + chunk)
            gains[part], others[part], targets[part] = self.best_exchanges(units[part])
            self.scored[units[part]] = self.clock
            if stop is not None and stop():
                raise Cancelled("the run was cancelled")
            if time.monotonic() > deadline:
                break
        return gains, others, targets

    def groups(self) -> list[list[int]]:
        return [
            sorted(int(p) for u in units for p in self.um[u, : self.usize[u]])
            for units in self.group_units
        ]
