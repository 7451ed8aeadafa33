"""Turns a validated problem into what the solvers work on, or fails naming the conflict.

A ``Plan`` holds: the must-pair units and pair costs (``plan_rules.py``), the role "side" each
person takes, the number of groups, the size range and per-group role quotas
(``plan_shape.py``). Every infeasibility that can be seen before solving raises ``Infeasible``
(``plan_shape.py``, ``plan_checks.py``); the exact model (``exact.py``) proves the rest.

The plan is also the definition of the hard rules' shape: ``n_groups`` groups (the solvers'
start; with explicit min/max sizes any count in ``min_groups..max_groups`` keeps the rules, and
the exact models use that range), each of ``size_lo..size_hi`` people and ``side_lo..side_hi``
of each side. ``either`` people are put on a side here for the heuristic solvers, but that
choice is not a rule: ``flexible`` marks them, the checks never count them on a fixed side, and
the exact model lets them take either side.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from peerpear.engine.errors import Infeasible
from peerpear.engine.plan_checks import check_isolation, check_units
from peerpear.engine.plan_rules import must_pair_units, pair_costs
from peerpear.engine.plan_shape import group_count, quotas, resolve_sides
from peerpear.engine.problem import Mode, Problem

I64 = NDArray[np.int64]
PROVEN = "no grouping satisfies every rule (proven by an exact search)"


@dataclass(kw_only=True)
class Plan:
    n: int
    ids: list[str]
    mode: Mode
    units: list[I64]  # must-pair units, each a sorted array of person indices
    unit_of: I64
    cost: sp.csr_matrix  # symmetric pair costs: history penalty, NEVER_COST for never-pairs
    never: set[tuple[int, int]]
    sides: list[str]  # role tag names used for quotas ("big"/"little" or "mentor"/"mentee")
    side_of: I64  # index into ``sides`` per person, -1 when roles play no part
    flexible: NDArray[np.bool_]  # per person: role ``either`` (big_little), side chosen here
    n_groups: int  # the number of groups the fast solvers build
    min_groups: int  # any number in min_groups..max_groups keeps the rules
    max_groups: int
    size_lo: int
    size_hi: int
    side_lo: I64  # per side: min and max count in any group
    side_hi: I64
    iso_tags: list[tuple[str, str]]
    iso_member: NDArray[np.bool_]  # n x len(iso_tags)

    @property
    def has_costs(self) -> bool:
        return bool(self.cost.nnz > 0)

    def shape(self) -> str:
        """The groups the rules ask for, in words: "3 groups of 2-3 people (...)"."""
        lo, hi = self.size_lo, self.size_hi
        fewest, most = self.min_groups, self.max_groups
        count = f"{fewest}" if fewest == most else f"{fewest}-{most}"
        shape = f"{count} group{'s' * (most != 1)} of "
        shape += f"{lo} people" if lo == hi else f"{lo}-{hi} people"
        if self.mode == "big_little":
            shape += " (each with a big and a little, spread evenly)"
        elif self.mode == "mentor":
            shape += f" (each with one mentor and 1-{int(self.side_hi[1])} mentees)"
        return shape

    def conflict(self, rules: list[str]) -> Infeasible:
        """The error for a proven conflict of the plan's shape with ``rules`` (rule names)."""
        if any(len(m) > 1 for m in self.units):
            rules = ["the must-pair rules", *rules]
        kept = " and ".join(rules) if rules else "the size and role rules"
        return Infeasible(f"{PROVEN}: {self.shape()} cannot keep {kept}")

    def with_sides(self, side_of: I64) -> Plan:
        """The same plan with ``either`` people on other sides (quotas follow the new counts)."""
        if self.mode != "big_little":
            return self  # only big_little has ``either`` people
        counts = [int((side_of == t).sum()) for t in range(len(self.sides))]
        side_lo, side_hi = quotas(self.mode, counts, self.n_groups)
        return replace(self, side_of=side_of, side_lo=side_lo, side_hi=side_hi)

    def with_groups(self, count: int) -> Plan:
        """The same plan for solvers that build ``count`` groups (one of the allowed counts)."""
        assert self.min_groups <= count <= self.max_groups
        if self.sides:  # role modes have one allowed count: quotas stay as they are
            return self
        return replace(self, n_groups=count)


def build_plan(problem: Problem) -> Plan:
    ids = problem.ids
    n = len(ids)
    index = {pid: i for i, pid in enumerate(ids)}
    units = must_pair_units(problem, index)
    unit_of = np.empty(n, dtype=np.int64)
    for u, members in enumerate(units):
        unit_of[members] = u
    cost, never = pair_costs(problem, index, unit_of)
    sides, side_of, flexible = resolve_sides(problem)
    counts = [int((side_of == t).sum()) for t in range(len(sides))]
    shape = group_count(problem, n, counts)
    g, lo, hi = shape.preferred, shape.size_lo, shape.size_hi
    side_lo, side_hi = quotas(problem.settings.mode, counts, g)
    if problem.settings.mode == "mentor":
        side_lo[1], side_hi[1] = 1, hi - 1
    iso_tags = [(r.attribute, r.value) for r in problem.settings.no_isolation]
    iso_member = np.array(
        [[p.attributes.get(a) == v for a, v in iso_tags] for p in problem.participants],
        dtype=bool,
    ).reshape(n, len(iso_tags))
    plan = Plan(
        n=n,
        ids=ids,
        mode=problem.settings.mode,
        units=units,
        unit_of=unit_of,
        cost=cost,
        never=never,
        sides=sides,
        side_of=side_of,
        flexible=flexible,
        n_groups=g,
        min_groups=shape.fewest,
        max_groups=shape.most,
        size_lo=lo,
        size_hi=hi,
        side_lo=side_lo,
        side_hi=side_hi,
        iso_tags=iso_tags,
        iso_member=iso_member,
    )
    check_units(plan)
    check_isolation(plan)
    return plan
