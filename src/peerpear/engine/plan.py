"""Turns a validated problem into what the solvers work on, or fails naming the conflict.

A ``Plan`` holds: the must-pair units (union-find), pair costs (history penalty and never-pair),
the role "side" each person takes (``either`` is resolved here, to the smaller side), the number
of groups, the size range and per-group role quotas. Every infeasibility that can be seen before
solving raises ``Infeasible`` here; the exact model (``exact.py``) proves the rest.

The plan is also the definition of the hard rules' shape: ``n_groups`` groups, each of
``size_lo..size_hi`` people and ``side_lo..side_hi`` of each side. ``either`` people are put on a
side here for the heuristic solvers, but that choice is not a rule: ``flexible`` marks them, the
checks below never count them on a fixed side, and the exact model lets them take either side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from peerpear.engine.errors import Infeasible
from peerpear.engine.problem import Mode, Problem

I64 = NDArray[np.int64]
# Cost of putting a never-pair in one group: far above any affinity gain (all are <= n).
NEVER_COST = 1.0e6
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
    n_groups: int
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
        shape = f"{self.n_groups} group{'s' * (self.n_groups != 1)} of "
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
        side_lo, side_hi = _quotas(self.mode, counts, self.n_groups)
        return replace(self, side_of=side_of, side_lo=side_lo, side_hi=side_hi)


def _units(problem: Problem, index: dict[str, int]) -> list[I64]:
    parent = list(range(len(index)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for group in problem.settings.must_pair:
        root = find(index[group[0]])
        for pid in group[1:]:
            other = find(index[pid])
            if other != root:
                parent[max(root, other)] = min(root, other)
                root = min(root, other)
    members: dict[int, list[int]] = {}
    for person in range(len(index)):
        members.setdefault(find(person), []).append(person)
    return [np.asarray(m, dtype=np.int64) for m in members.values()]


def _pairs_of(groups: list[list[str]], index: dict[str, int]) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for group in groups:
        people = sorted({index[p] for p in group if p in index})
        pairs.update((a, b) for i, a in enumerate(people) for b in people[i + 1 :])
    return pairs


def _costs(
    problem: Problem, index: dict[str, int], unit_of: I64
) -> tuple[sp.csr_matrix, set[tuple[int, int]]]:
    n = len(index)
    never = _pairs_of(problem.settings.never_pair, index)
    history = _pairs_of(problem.settings.history, index) - never
    ids = problem.ids
    for a, b in sorted(never):
        if unit_of[a] == unit_of[b]:
            raise Infeasible(
                f"{ids[a]} and {ids[b]} are linked by must-pair but are also a never-pair"
            )
    entries = [(a, b, NEVER_COST) for a, b in never]
    # as if the pair's affinity were lowered by the penalty: a pair adds 2 a_ij / (k - 1) to the
    # summed satisfaction of a group of k
    scale = 2.0 / (problem.settings.target_size - 1)
    entries += [(a, b, problem.settings.history_penalty * scale) for a, b in history]
    entries = [e for e in entries if e[2] > 0]
    rows = [e[0] for e in entries] + [e[1] for e in entries]
    cols = [e[1] for e in entries] + [e[0] for e in entries]
    vals = [e[2] for e in entries] * 2
    cost = sp.csr_matrix((vals, (rows, cols)), shape=(n, n), dtype=np.float64)
    return cost, never


def _resolve_sides(problem: Problem) -> tuple[list[str], I64, NDArray[np.bool_]]:
    """Role sides per person and who is flexible; ``either`` joins the smaller side (ties: big),
    in input order."""
    mode, people = problem.settings.mode, problem.participants
    fixed = np.zeros(len(people), dtype=bool)
    if mode == "mentor":
        side = np.array([0 if p.role == "mentor" else 1 for p in people], dtype=np.int64)
        return ["mentor", "mentee"], side, fixed
    if mode != "big_little":
        return [], np.full(len(people), -1, dtype=np.int64), fixed
    side = np.array([{"big": 0, "little": 1}.get(p.role or "either", -1) for p in people])
    flexible = side == -1
    counts = [int((side == 0).sum()), int((side == 1).sum())]
    for i in np.flatnonzero(flexible):
        side[i] = 0 if counts[0] <= counts[1] else 1
        counts[side[i]] += 1
    return ["big", "little"], side.astype(np.int64), flexible


def _quotas(mode: Mode, counts: list[int], groups: int) -> tuple[I64, I64]:
    """Per side, the fewest and most members a group may hold: the side spread evenly (at least
    one of each in big_little; mentor mode replaces the mentees' range by 1..capacity)."""
    side_lo = np.array([_spread(c, groups)[0] for c in counts], dtype=np.int64)
    side_hi = np.array([_spread(c, groups)[1] for c in counts], dtype=np.int64)
    if mode == "big_little":
        side_lo = np.maximum(side_lo, 1)
    return side_lo, side_hi


def _spread(total: int, groups: int) -> tuple[int, int]:
    return total // groups, -(-total // groups)


def _group_count(problem: Problem, n: int, side_counts: list[int]) -> tuple[int, int, int]:
    """Number of groups and the size range, per mode (DESIGN §3)."""
    s = problem.settings
    if s.mode == "pairs":
        if n % 2 and s.max_size == 2:
            raise Infeasible(f"{n} people need one trio, above the maximum size 2")
        return n // 2, 2, 3 if n % 2 else 2
    if s.mode == "mentor":
        mentors, mentees = side_counts
        if mentees > mentors * s.capacity:
            raise Infeasible(f"{mentees} mentees exceed {mentors} mentors x capacity {s.capacity}")
        if mentees < mentors:
            raise Infeasible(
                f"{mentors} mentors but only {mentees} mentees: every mentor needs one"
            )
        hi = s.capacity + 1 if s.max_size is None else min(s.capacity + 1, s.max_size)
        if mentees > mentors * (hi - 1):
            raise Infeasible(
                f"{mentees} mentees exceed {mentors} mentors x {hi - 1}: the maximum size "
                f"{s.max_size} allows {hi - 1} mentees per mentor"
            )
        return mentors, 2, hi
    k = s.target_size
    if s.mode == "big_little":
        smaller = min(side_counts)
        if smaller == 0:
            raise Infeasible("big_little needs at least one big and one little")
        g = smaller if k == 2 else max(1, min(smaller, math.floor(n / k + 0.5)))
        lo, hi = _spread(n, g)
        if s.max_size is not None and hi > s.max_size:
            raise Infeasible(
                f"{smaller} {'bigs' if side_counts[0] == smaller else 'littles'} for {n} people "
                f"force groups of {hi}, above the maximum size {s.max_size}"
            )
        return g, lo, hi
    min_size = s.min_size or 2
    if n < min_size:
        raise Infeasible(f"too few participants: {n} for groups of at least {min_size}")
    g = max(1, math.floor(n / k + 0.5))
    if s.min_size is None and s.max_size is None:
        # only a target: as many groups as fit, sizes differing by at most one
        g = max(1, min(g, n // min_size))
        lo, hi = _spread(n, g)
        return g, lo, hi
    max_size = s.max_size or max(k, min_size)
    g = min(max(g, -(-n // max_size)), n // min_size)
    if g < 1 or g * max_size < n or n < g * min_size:
        raise Infeasible(f"{n} people cannot form groups of {min_size}..{max_size}")
    return g, min_size, max_size


def build_plan(problem: Problem) -> Plan:
    ids = problem.ids
    n = len(ids)
    index = {pid: i for i, pid in enumerate(ids)}
    units = _units(problem, index)
    unit_of = np.empty(n, dtype=np.int64)
    for u, members in enumerate(units):
        unit_of[members] = u
    cost, never = _costs(problem, index, unit_of)
    sides, side_of, flexible = _resolve_sides(problem)
    counts = [int((side_of == t).sum()) for t in range(len(sides))]
    g, lo, hi = _group_count(problem, n, counts)
    side_lo, side_hi = _quotas(problem.settings.mode, counts, g)
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
        size_lo=lo,
        size_hi=hi,
        side_lo=side_lo,
        side_hi=side_hi,
        iso_tags=iso_tags,
        iso_member=iso_member,
    )
    _check_units(plan)
    _check_isolation(plan)
    return plan


def _check_units(plan: Plan) -> None:
    # the most of a side a group can hold whichever side the ``either`` people take
    flexible = int(plan.flexible.sum())
    most = [
        _spread(int(((plan.side_of == t) & ~plan.flexible).sum()) + flexible, plan.n_groups)[1]
        for t in range(len(plan.sides))
    ]
    trios = 0
    for members in plan.units:
        names = ", ".join(plan.ids[i] for i in members[:6])
        if len(members) > plan.size_hi:
            raise Infeasible(
                f"must-pair chain of {len(members)} people ({names}) exceeds the maximum "
                f"group size {plan.size_hi}"
            )
        trios += len(members) == 3
        for t, side in enumerate(plan.sides):
            count = int(((plan.side_of[members] == t) & ~plan.flexible[members]).sum())
            hi = int(plan.side_hi[t]) if plan.mode == "mentor" else min(most[t], plan.size_hi)
            if count > hi:
                raise Infeasible(
                    f"must-pair ({names}) puts {count} {side}s together, but a group holds at "
                    f"most {hi}"
                )
    if plan.mode == "pairs" and trios > plan.n % 2:
        raise Infeasible(
            f"must-pair makes {trios} trios, but pairs allow one trio, and only when the count is "
            "odd"
        )


def _check_isolation(plan: Plan) -> None:
    for t, (attribute, value) in enumerate(plan.iso_tags):
        if int(plan.iso_member[:, t].sum()) == 1:
            raise Infeasible(
                f"only one participant has {attribute} = {value}; no_isolation needs none or at "
                "least two in each group"
            )
    if plan.mode == "pairs":
        _check_pair_parity(plan)


def _check_pair_parity(plan: Plan) -> None:
    """Pairs hold none or two holders of a value, so an odd number of holders needs the trio
    (odd counts only) to hold three of them: of every such value at once."""
    odd = [t for t in range(len(plan.iso_tags)) if int(plan.iso_member[:, t].sum()) % 2]
    if not odd:
        return
    attribute, value = plan.iso_tags[odd[0]]
    holders = int(plan.iso_member[:, odd[0]].sum())
    if plan.n % 2 == 0:
        raise Infeasible(
            f"{holders} participants have {attribute} = {value}: pairs of {plan.n} people can "
            "hold only an even number (no_isolation)"
        )
    in_trio = int(plan.iso_member[:, odd].all(axis=1).sum())
    if in_trio < 3:
        names = " and ".join(f"{a} = {v}" for a, v in (plan.iso_tags[t] for t in odd))
        raise Infeasible(
            f"odd numbers of participants have {names}: in pairs only the one trio can hold an "
            "odd number, which needs three people with every such value (no_isolation)"
        )
