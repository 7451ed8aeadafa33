"""A constructive start for the group local search: seeded round-robin draft.

Each group gets a target size and role quotas. Multi-person units are placed first, then every
empty group gets a seed chosen far from the other seeds (farthest-point, like k-means++ but
deterministic after the seeded first pick), then the groups take turns drafting the unassigned
unit with the highest mean affinity to their members. Taking turns spreads the leftovers over all
groups instead of handing them to the last one. Never-pairs are avoided when possible; isolation
rules are left to the local search, which repairs them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.errors import EngineError
from peerpear.engine.plan import Plan

I64 = NDArray[np.int64]


def targets(plan: Plan) -> tuple[I64, I64]:
    """Target size per group and role quota per group and side (sizes differ by at most one)."""
    g, n, sides = plan.n_groups, plan.n, len(plan.sides)
    quotas = np.zeros((g, sides), dtype=np.int64)
    for t in range(sides):
        count = int((plan.side_of == t).sum())
        base, extra = divmod(count, g)
        quotas[:, t] = base
        # big extras go to the first groups, little extras to the last, so sizes stay balanced
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
        nu = len(plan.units)
        self.unit_size = np.array([len(m) for m in plan.units], dtype=np.int64)
        sides = max(len(plan.sides), 1)
        self.unit_sides = np.zeros((nu, sides), dtype=np.int64)
        for u, members in enumerate(plan.units):
            for t in range(len(plan.sides)):
                self.unit_sides[u, t] = int((plan.side_of[members] == t).sum())
        if not plan.sides:
            self.quota = np.full((plan.n_groups, 1), plan.n, dtype=np.int64)
        self.group_of_unit = np.full(nu, -1, dtype=np.int64)
        self.pull = np.zeros((plan.n_groups, plan.n), dtype=np.float32)  # affinity to group
        self.blocked: list[set[int]] = [set() for _ in range(plan.n_groups)]
        order = np.argsort(plan.unit_of, kind="stable")
        self.person_order = order
        self.unit_starts = np.searchsorted(plan.unit_of[order], np.arange(nu))
        self.never_of: dict[int, list[int]] = {}
        for a, b in plan.never:
            self.never_of.setdefault(a, []).append(b)
            self.never_of.setdefault(b, []).append(a)

    def fits(self, group: int, strict: bool = True) -> NDArray[np.bool_]:
        ok: NDArray[np.bool_] = (self.group_of_unit < 0) & (self.unit_size <= self.capacity[group])
        ok &= (self.unit_sides <= self.quota[group]).all(axis=1)
        if strict and self.blocked[group]:
            ok[list(self.blocked[group])] = False
        return ok

    def place(self, unit: int, group: int) -> None:
        members = self.plan.units[unit]
        self.group_of_unit[unit] = group
        self.capacity[group] -= len(members)
        self.quota[group] -= self.unit_sides[unit]
        self.pull[group] += self.affinity[members].sum(axis=0)
        for person in members:
            for other in self.never_of.get(int(person), []):
                self.blocked[group].add(int(self.plan.unit_of[other]))

    def unit_scores(self, group: int) -> NDArray[np.float64]:
        per_person = self.pull[group][self.person_order].astype(np.float64)
        return np.add.reduceat(per_person, self.unit_starts) / self.unit_size

    def pick(self, group: int) -> int:
        for strict in (True, False):  # a never-pair is better than no group; search repairs it
            ok = self.fits(group, strict)
            if ok.any():
                scores = np.where(ok, self.unit_scores(group), -np.inf)
                return int(np.argmax(scores))
        raise EngineError("the size and role rules leave a group that no one can fill")


def construct(plan: Plan, affinity: NDArray[np.float32], rng: np.random.Generator) -> I64:
    """Returns the group index of every unit."""
    draft = _Draft(plan, affinity)
    for unit in np.argsort(-draft.unit_size, kind="stable"):
        if draft.unit_size[unit] < 2:
            break
        ok = [g for g in range(plan.n_groups) if draft.fits(g)[unit]]
        if not ok:
            raise EngineError(
                f"no group has room for the must-pair unit of {draft.unit_size[unit]}"
            )
        best = max(ok, key=lambda g: (draft.unit_scores(g)[unit], draft.capacity[g]))
        draft.place(int(unit), best)
    _seed(draft, rng)
    while (draft.group_of_unit < 0).any():
        progressed = False
        for group in range(plan.n_groups):
            if draft.capacity[group] > 0 and (draft.group_of_unit < 0).any():
                draft.place(draft.pick(group), group)
                progressed = True
        if not progressed:
            raise EngineError("could not place everyone within the group sizes")
    return draft.group_of_unit


def _seed(draft: _Draft, rng: np.random.Generator) -> None:
    """Farthest-point seeds for the groups that are still empty."""
    plan = draft.plan
    nearest = np.full(plan.n, -np.inf, dtype=np.float32)
    filled = [g for g in range(plan.n_groups) if draft.capacity[g] < targets(plan)[0][g]]
    for g in filled:
        nearest = np.maximum(nearest, draft.pull[g])
    for group in range(plan.n_groups):
        if group in filled:
            continue
        ok = draft.fits(group)
        if not ok.any():
            continue
        if np.isinf(nearest).all():
            unit = int(rng.choice(np.flatnonzero(ok)))
        else:
            per_person = nearest[draft.person_order].astype(np.float64)
            closeness = np.maximum.reduceat(per_person, draft.unit_starts)
            unit = int(np.argmin(np.where(ok, closeness, np.inf)))
        draft.place(unit, group)
        nearest = np.maximum(nearest, affinity_rows(draft, unit))


def affinity_rows(draft: _Draft, unit: int) -> NDArray[np.float32]:
    rows: NDArray[np.float32] = draft.affinity[draft.plan.units[unit]].max(axis=0)
    return rows
