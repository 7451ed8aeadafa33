"""Exact repair of a large grouping: the exact model over the groups that break a rule and some
around them, every other group kept as it is.

For instances too large for the full exact model (``exact.MAX_CELLS``). Groups that break a
rule (a never-pair inside, an isolated holder) are re-solved, as many as fit, together with the
groups of their members' best matches and seeded random others, up to ``REPAIR_CELLS``
booleans; the other groups stay as they are. A re-solve keeps every rule in the groups it
changes, so the broken groups only ever get fewer. The sub-model uses the plan's sides as they
are (``either`` people keep theirs). A sub-model without a solution proves nothing about the
whole: another choice is tried while the time lasts, then the run ends with ``NoSolutionFound``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.counting import count_grouping
from peerpear.engine.errors import Infeasible
from peerpear.engine.exact import exact_grouping
from peerpear.engine.plan import Plan
from peerpear.engine.problem import Problem

I64 = NDArray[np.int64]
REPAIR_CELLS = 20_000  # (unit, group) booleans of one sub-model
ATTEMPT_S = 1.0  # at most per sub-model: another choice may be easy where this one is hard


def broken_groups(plan: Plan, group_of_unit: I64) -> I64:
    """Groups holding a never-pair or exactly one holder of a no_isolation value."""
    group_of = group_of_unit[plan.unit_of]
    bad = np.zeros(plan.n_groups, dtype=bool)
    for a, b in plan.never:
        if group_of[a] == group_of[b]:
            bad[group_of[a]] = True
    for t in range(len(plan.iso_tags)):
        holders = np.bincount(group_of[plan.iso_member[:, t]], minlength=plan.n_groups)
        bad |= holders == 1
    return np.flatnonzero(bad)


def _chosen(
    plan: Plan, group_of_unit: I64, neighbours: I64, bad: I64, rng: np.random.Generator
) -> I64:
    """Broken groups (in random order), the groups of their members' best matches, random
    others: as many as keep the sub-model within ``REPAIR_CELLS``."""
    units_in = np.bincount(group_of_unit, minlength=plan.n_groups)
    group_of = group_of_unit[plan.unit_of]
    members = np.flatnonzero(np.isin(group_of, bad))
    near = np.unique(group_of[neighbours[members].ravel()])
    order = [*rng.permutation(bad), *rng.permutation(near), *rng.permutation(plan.n_groups)]
    chosen: list[int] = []
    seen: set[int] = set()
    units = 0
    for g in order:
        if g in seen:
            continue
        if (units + units_in[g]) * (len(chosen) + 1) > REPAIR_CELLS and len(chosen) >= 2:
            break
        seen.add(int(g))
        chosen.append(int(g))
        units += int(units_in[g])
    return np.array(sorted(chosen), dtype=np.int64)


def _sub_plan(plan: Plan, units: I64, groups: int) -> Plan:
    """The plan of the people of ``units`` only, in ``groups`` groups; sides fixed."""
    people = np.concatenate([plan.units[u] for u in units])
    local = np.full(plan.n, -1, dtype=np.int64)
    local[people] = np.arange(len(people))
    sub_units = [local[plan.units[u]] for u in units]
    unit_of = np.empty(len(people), dtype=np.int64)
    for u, members in enumerate(sub_units):
        unit_of[members] = u
    never = {
        (int(local[a]), int(local[b])) for a, b in plan.never if local[a] >= 0 and local[b] >= 0
    }
    return replace(
        plan,
        n=len(people),
        ids=[plan.ids[p] for p in people],
        units=sub_units,
        unit_of=unit_of,
        cost=plan.cost[people][:, people],
        never=never,
        side_of=plan.side_of[people],
        flexible=np.zeros(len(people), dtype=bool),
        n_groups=groups,
        min_groups=groups,
        max_groups=groups,
        iso_member=plan.iso_member[people],
    )


def repair(
    problem: Problem,
    plan: Plan,
    group_of_unit: I64,
    neighbours: I64,
    time_limit: float,
    stop: Callable[[], bool] | None = None,
) -> I64 | None:
    """A group per unit that keeps every rule, or None when the time ran out first.

    Batch by batch: each re-solve that succeeds is kept (its groups now keep every rule), and
    the broken groups left are chosen from again, in another random order.
    """
    end = time.monotonic() + time_limit
    grouping = group_of_unit.copy()
    rng = np.random.default_rng(problem.settings.seed)
    bad = broken_groups(plan, grouping)
    while len(bad):
        if time.monotonic() >= end:
            return None
        groups = _chosen(plan, grouping, neighbours, bad, rng)
        units = np.flatnonzero(np.isin(grouping, groups))
        sub = _sub_plan(plan, units, len(groups))
        hint = np.searchsorted(groups, grouping[units])
        try:
            found = count_grouping(sub, ATTEMPT_S)  # a miscount (odd holders...) shows at once
            if found is None or sub.never:  # then the full model decides
                limit = min(end - time.monotonic(), ATTEMPT_S)
                found = exact_grouping(problem, sub, limit, hint, stop)
        except Infeasible:
            found = None  # these groups cannot be fixed alone; another choice may
        if found is not None:
            grouping[units] = groups[found.group_of_unit]
            bad = broken_groups(plan, grouping)
    return grouping
