"""The counting model: how many of each kind of person a group holds, not who.

Must-pair units are sorted into kinds: same size, same fixed sides, same number of ``either``
people, same holders of every no_isolation value. A *profile* is what one group may hold: a
number of units of each kind (and, in big_little, how many of its ``either`` people are bigs)
within the size range, the side ranges and the isolation rules. The relaxation asks for a number
of groups per profile: ``min_groups..max_groups`` in all, every unit of every kind placed, and in
big_little each side spread evenly. Never-pairs are left out, so it is a relaxation: when it has no
solution, neither has the exact model.

It has no people and no group symmetry, so CP-SAT decides counting conflicts in it at once (an
odd number of holders where every profile holds an even number of them, a kind that divides
into no mix of profiles), which take the full model exponential time. Without never-pairs it
is the whole model: any solution is turned into a grouping (units of a kind are alike to every
rule), at any size. ``solve`` runs it first; past ``MAX_PROFILES`` profiles it is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.exact import ExactGrouping
from peerpear.engine.plan import Plan

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

I64 = NDArray[np.int64]
MAX_PROFILES = 20_000


def _kinds(plan: Plan) -> tuple[I64, I64, I64]:
    """(a row per kind: size, fixed side counts, either count, holders per rule; the kind of
    each unit; units per kind)."""
    sides, tags = len(plan.sides), len(plan.iso_tags)
    rows = np.zeros((len(plan.units), 2 + sides + tags), dtype=np.int64)
    for u, members in enumerate(plan.units):
        rows[u, 0] = len(members)
        fixed = ~plan.flexible[members]
        for t in range(sides):
            rows[u, 1 + t] = int(((plan.side_of[members] == t) & fixed).sum())
        rows[u, 1 + sides] = int(plan.flexible[members].sum())
        if tags:
            rows[u, 2 + sides :] = plan.iso_member[members].sum(axis=0)
    kinds, kind_of, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    return kinds, kind_of.ravel().astype(np.int64), counts.astype(np.int64)


def _profiles(kinds: I64, counts: I64, lo: int, hi: int) -> Iterator[list[int]]:
    """Every number of units per kind whose people number lo..hi (at most MAX_PROFILES + 1)."""
    sizes = kinds[:, 0].tolist()
    found = 0
    picked = [0] * len(sizes)

    def grow(k: int, people: int) -> Iterator[list[int]]:
        nonlocal found
        if found > MAX_PROFILES:
            return
        if k == len(sizes):
            if people >= lo:
                found += 1
                yield list(picked)
            return
        for take in range(min(int(counts[k]), (hi - people) // sizes[k]) + 1):
            picked[k] = take
            yield from grow(k + 1, people + take * sizes[k])
        picked[k] = 0

    yield from grow(0, 0)


def count_grouping(plan: Plan, time_limit: float) -> ExactGrouping | None:
    """A grouping from a solution of the relaxation, or None (too many profiles, time ran out).

    Raises ``Infeasible`` (naming the rules) when the relaxation has no solution. Without
    never-pairs the relaxation is the whole exact model, so the grouping keeps every rule;
    with them it may break a never-pair.
    """
    from ortools.sat.python import cp_model
    from ortools.sat.python.cp_model import LinearExpr

    names = [f"no_isolation {attribute} = {value}" for attribute, value in plan.iso_tags]
    kinds, kind_of, counts = _kinds(plan)
    sides, tags = len(plan.sides), len(plan.iso_tags)
    profiles = list(_profiles(kinds, counts, plan.size_lo, plan.size_hi))
    if len(profiles) > MAX_PROFILES:
        return None
    model = cp_model.CpModel()
    rules = [model.new_bool_var(name) for name in names]
    flexible = sides > 0 and bool(plan.flexible.any())
    spread = [model.new_int_var(0, plan.n, "") for _ in range(sides)] if flexible else []
    groups: list[cp_model.IntVar] = []
    mix: list[tuple[list[int], int]] = []  # (units per kind, bigs among its either people)
    for picked in profiles:
        held = np.asarray(picked, dtype=np.int64) @ kinds
        either = int(held[1 + sides]) if sides else 0
        for bigs in range(either + 1) if flexible else [0]:
            side = held[1 : 1 + sides].copy()
            if flexible:
                side += [bigs, either - bigs]
            elif sides and not ((side >= plan.side_lo).all() and (side <= plan.side_hi).all()):
                continue
            if flexible and (side < 1).any():
                continue
            count = model.new_int_var(0, plan.max_groups, "")
            for t in range(tags):
                if int(held[2 + sides + t]) == 1:  # isolates its one holder
                    model.add(count == 0).only_enforce_if(rules[t])
            if flexible:
                used = model.new_bool_var("")
                model.add(count == 0).only_enforce_if(~used)
                for t in range(sides):
                    model.add(spread[t] <= int(side[t])).only_enforce_if(used)
                    model.add(spread[t] + 1 >= int(side[t])).only_enforce_if(used)
            groups.append(count)
            mix.append((picked, bigs))
    model.add_linear_constraint(LinearExpr.sum(groups), plan.min_groups, plan.max_groups)
    for k in range(len(kinds)):
        units = LinearExpr.weighted_sum(groups, [m[k] for m, _ in mix])
        model.add(units == int(counts[k]))
    model.add_assumptions(rules)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit, 0.01)
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        core = set(solver.sufficient_assumptions_for_infeasibility())
        raise plan.conflict([n for lit, n in zip(rules, names, strict=True) if lit.index in core])
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    used_mix = [(m, bigs, int(solver.value(g))) for g, (m, bigs) in zip(groups, mix, strict=True)]
    return _realize(plan, kind_of, [(m, b, c) for m, b, c in used_mix if c > 0])


def _realize(plan: Plan, kind_of: I64, used: list[tuple[list[int], int, int]]) -> ExactGrouping:
    """Groups holding the profiles' counts, units of a kind taken in order; ``either`` people
    take the big side as the profile says."""
    left = [list(np.flatnonzero(kind_of == k)) for k in range(int(kind_of.max()) + 1)]
    group_of_unit = np.full(len(plan.units), -1, dtype=np.int64)
    side_of = plan.side_of.copy()
    group = 0
    for picked, bigs, count in used:
        for _ in range(count):
            firsts = bigs
            for k, take in enumerate(picked):
                for _ in range(take):
                    u = int(left[k].pop(0))
                    group_of_unit[u] = group
                    for person in plan.units[u][plan.flexible[plan.units[u]]]:
                        side_of[person] = 0 if firsts > 0 else 1
                        firsts -= 1
            group += 1
    return ExactGrouping(group_of_unit, side_of)
