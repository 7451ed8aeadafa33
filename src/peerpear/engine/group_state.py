"""The state of the group local search: who is in which group, and the sums that score a change.

``pull[g, x]`` = sum of affinities from person x to the members of group g (and ``cost_pull`` the
same for pair costs: never-pairs and repeated pairs); per group its size, role and isolation
counts, its members (padded rows) and its units (padded with the empty unit ``nu``, which
stands for "nobody": a move is a swap with it), and its utility. ``exchanges.py`` scores changes
on it, ``local_search.py`` and ``reassign.py`` decide which to make; every change goes through
``apply`` or ``move_units``, which keep the sums exact.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.construct import I64
from peerpear.engine.neighbours import BEST_MATCHES
from peerpear.engine.objective import ISOLATION_COST, utility
from peerpear.engine.plan import Plan
from peerpear.engine.problem import Objective


class GroupState:
    """Groups of must-pair units and the sums every score reads; changed only by ``apply`` and
    ``move_units``."""

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

    def groups(self) -> list[list[int]]:
        return [
            sorted(int(p) for u in units for p in self.um[u, : self.usize[u]])
            for units in self.group_units
        ]
