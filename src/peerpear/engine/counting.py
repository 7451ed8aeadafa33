"""A counting relaxation of the exact model: how many of each kind of person a group holds, not who.

Must-pair units are sorted into kinds: same size, same fixed sides, same number of ``either``
people, same holders of every no_isolation value. A *profile* is what one group may hold: a
number of units of each kind (and, in big_little, how many of its ``either`` people are bigs)
within the size range, the side ranges and the isolation rules. The relaxation asks for a number
of groups per profile: ``n_groups`` in all, every unit of every kind placed, and in big_little
each side spread evenly. Never-pairs are left out, so it is a relaxation: when it has no
solution, neither has the exact model.

It has no people and no group symmetry, so CP-SAT decides counting conflicts in it at once (an
odd number of holders where every profile holds an even number of them, a kind that divides
into no mix of profiles), which take the full model exponential time. ``solve`` runs it before
the full model, at any size (the full model has a size limit); past ``MAX_PROFILES`` profiles
it is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.plan import Plan

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

I64 = NDArray[np.int64]
MAX_PROFILES = 20_000


def _kinds(plan: Plan) -> tuple[I64, I64]:
    """(a row per kind: size, fixed side counts, either count, holders per rule; units per kind)."""
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
    kinds, counts = np.unique(rows, axis=0, return_counts=True)
    return kinds, counts.astype(np.int64)


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


def check_counts(plan: Plan, time_limit: float) -> None:
    """Raises ``Infeasible`` (naming the rules) when the relaxation has no solution.

    Returns quietly when it has one, when it has too many profiles, or when time runs out.
    """
    from ortools.sat.python import cp_model
    from ortools.sat.python.cp_model import LinearExpr

    names = [f"no_isolation {attribute} = {value}" for attribute, value in plan.iso_tags]
    kinds, counts = _kinds(plan)
    sides, tags = len(plan.sides), len(plan.iso_tags)
    profiles = list(_profiles(kinds, counts, plan.size_lo, plan.size_hi))
    if len(profiles) > MAX_PROFILES:
        return
    model = cp_model.CpModel()
    rules = [model.new_bool_var(name) for name in names]
    flexible = sides > 0 and bool(plan.flexible.any())
    spread = [model.new_int_var(0, plan.n, "") for _ in range(sides)] if flexible else []
    groups: list[cp_model.IntVar] = []
    mix: list[list[int]] = []  # units per kind, per (profile, bigs among its either people)
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
            count = model.new_int_var(0, plan.n_groups, "")
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
            mix.append(picked)
    model.add(LinearExpr.sum(groups) == plan.n_groups)
    for k in range(len(kinds)):
        units = LinearExpr.weighted_sum(groups, [m[k] for m in mix])
        model.add(units == int(counts[k]))
    model.add_assumptions(rules)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit, 0.01)
    solver.parameters.num_workers = 1
    if solver.solve(model) == cp_model.INFEASIBLE:
        core = set(solver.sufficient_assumptions_for_infeasibility())
        raise plan.conflict([n for lit, n in zip(rules, names, strict=True) if lit.index in core])
