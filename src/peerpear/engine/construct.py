"""A constructive start for the group local search: greedy growth from cohesive seeds.

Each group gets a target size and role quotas. Must-pair units of two or more are placed first
(largest first, where they fit and are most welcome). Then groups are filled one at a time: the
free person with the strongest best match seeds it, and it grows by the free person with the
highest summed affinity to its members, within its quotas. Tight clusters come out whole (this
is what recovers planted structure); the last groups take the leftovers, which is what the local
search then repairs. Never-pairs are avoided when possible; isolation rules are left to the local
search. Greedy placement can get stuck where a valid grouping exists (must-pair units that do
not pack in the order tried): it then raises ``NoSolutionFound`` and ``solve`` turns to the exact
model.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.errors import NoSolutionFound
from peerpear.engine.plan import Plan

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


def targets(plan: Plan) -> tuple[I64, I64]:
    """Target size per group and role quota per group and side (sizes differ by at most one)."""
    g, n, sides = plan.n_groups, plan.n, len(plan.sides)
    quotas = np.zeros((g, sides), dtype=np.int64)
    for t in range(sides):
        base, extra = divmod(int((plan.side_of == t).sum()), g)
        quotas[:, t] = base
        # side 0's extras go to the first groups, side 1's to the last: sizes stay balanced
        if t == 0:
            quotas[:extra, t] += 1
        else:
            quotas[g - extra :, t] += 1
    if sides:
        return quotas.sum(axis=1), quotas
    base, extra = divmod(n, g)
    sizes = np.full(g, base, dtype=np.int64)
    sizes[:extra] += 1
    return sizes, quotas


class _Draft:
    def __init__(self, plan: Plan, affinity: NDArray[np.float32]) -> None:
        self.plan, self.affinity = plan, affinity
        self.capacity, self.quota = targets(plan)
        self.group_of = np.full(plan.n, -1, dtype=np.int64)
        self.pull = np.zeros((plan.n_groups, plan.n), dtype=np.float32)
        self.free = np.zeros(plan.n)  # 0 for a free single, -inf once placed or in a unit
        self.side_open = [np.where(plan.side_of == t, 0.0, -np.inf) for t in range(len(plan.sides))]
        self.blocked: list[set[int]] = [set() for _ in range(plan.n_groups)]
        self.never_of: dict[int, list[int]] = {}
        for a, b in plan.never:
            self.never_of.setdefault(a, []).append(b)
            self.never_of.setdefault(b, []).append(a)

    def sides_of(self, members: I64) -> I64:
        counts = np.zeros(max(len(self.plan.sides), 1), dtype=np.int64)
        for t in range(len(self.plan.sides)):
            counts[t] = int((self.plan.side_of[members] == t).sum())
        return counts

    def fits(self, members: I64, group: int) -> bool:
        quota_ok = not self.plan.sides or bool((self.sides_of(members) <= self.quota[group]).all())
        clash = any(int(p) in self.blocked[group] for p in members)
        return len(members) <= self.capacity[group] and quota_ok and not clash

    def place(self, members: I64, group: int) -> None:
        self.group_of[members] = group
        self.free[members] = -np.inf
        self.capacity[group] -= len(members)
        if self.plan.sides:
            self.quota[group] -= self.sides_of(members)
        self.pull[group] += self.affinity[members].sum(axis=0)
        for person in members:
            self.blocked[group].update(self.never_of.get(int(person), []))

    def open_mask(self, group: int) -> F64:
        """0 for the free people this group may take next, -inf for the others."""
        mask = self.free.copy()
        if self.plan.sides:
            closed = [t for t in range(len(self.plan.sides)) if self.quota[group, t] <= 0]
            for t in closed:
                mask += self.side_open[1 - t] if len(self.side_open) == 2 else 0.0
        return mask

    def pick(self, group: int) -> int:
        mask = self.open_mask(group)
        score = self.pull[group] + mask
        if self.blocked[group]:
            avoiding = score.copy()
            avoiding[list(self.blocked[group])] = -np.inf
            if np.isfinite(avoiding.max()):
                score = avoiding  # else a never-pair beats no group; the search repairs it
        best = int(np.argmax(score))
        if not np.isfinite(score[best]):
            raise NoSolutionFound("the size and role rules leave a group that no one can fill")
        return best


def construct(plan: Plan, affinity: NDArray[np.float32], rng: np.random.Generator) -> I64:
    """Returns the group index of every unit."""
    draft = _Draft(plan, affinity)
    for members in sorted(plan.units, key=len, reverse=True):
        if len(members) < 2:
            draft.free[members] = 0.0
            continue
        ok = [g for g in range(plan.n_groups) if draft.fits(members, g)]
        if not ok:
            raise NoSolutionFound(f"no group has room for the must-pair unit of {len(members)}")
        best = max(ok, key=lambda g: (float(draft.pull[g, members].sum()), draft.capacity[g]))
        draft.place(members, best)
    # most cohesive first: a person with a strong best match seeds a tight group
    cohesion = np.asarray(affinity.max(axis=1), dtype=np.float64) if plan.n else np.zeros(0)
    cohesion += rng.random(plan.n) * 1e-9  # seeded tie-break
    sizes = targets(plan)[0]
    for group in range(plan.n_groups):
        if draft.capacity[group] == sizes[group] and draft.capacity[group] > 0:
            mask = draft.open_mask(group)
            seed = int(np.argmax(cohesion + mask))
            if not np.isfinite(mask[seed]):
                raise NoSolutionFound("the size and role rules leave a group that no one can fill")
            draft.place(np.array([seed]), group)
        while draft.capacity[group] > 0:
            draft.place(np.array([draft.pick(group)]), group)
    if (draft.free == 0).any():
        raise NoSolutionFound("could not place everyone within the group sizes")
    return draft.group_of[[int(m[0]) for m in plan.units]]
