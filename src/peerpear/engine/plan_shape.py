"""The shape of the groups the rules ask for: role sides, the number of groups, sizes, quotas.

``either`` people are put on a side here for the heuristic solvers (the smaller side), but that
choice is not a rule: the exact model lets them take either side. Counts that cannot fit at all
(more mentees than mentors can take, sizes no number of groups allows) raise ``Infeasible``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.errors import Infeasible
from peerpear.engine.problem import Mode, Problem

I64 = NDArray[np.int64]


class GroupCount(NamedTuple):
    """How many groups, of which sizes: ``preferred`` is what the fast solvers build; any number of
    groups in ``fewest..most`` keeps the rules (a range only with explicit min/max sizes)."""

    preferred: int
    size_lo: int
    size_hi: int
    fewest: int
    most: int

    @classmethod
    def fixed(cls, count: int, size_lo: int, size_hi: int) -> GroupCount:
        return cls(count, size_lo, size_hi, count, count)


def resolve_sides(problem: Problem) -> tuple[list[str], I64, NDArray[np.bool_]]:
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


def quotas(mode: Mode, counts: list[int], groups: int) -> tuple[I64, I64]:
    """Per side, the fewest and most members a group may hold: the side spread evenly (at least
    one of each in big_little; mentor mode replaces the mentees' range by 1..capacity)."""
    side_lo = np.array([spread(c, groups)[0] for c in counts], dtype=np.int64)
    side_hi = np.array([spread(c, groups)[1] for c in counts], dtype=np.int64)
    if mode == "big_little":
        side_lo = np.maximum(side_lo, 1)
    return side_lo, side_hi


def spread(total: int, groups: int) -> tuple[int, int]:
    return total // groups, -(-total // groups)


def group_count(problem: Problem, n: int, side_counts: list[int]) -> GroupCount:
    """Number of groups and the size range, per mode (DESIGN §3).

    With explicit ``min_size``/``max_size`` (groups mode) every count whose sizes fit keeps the
    rules, as the validator reads them: 7 people of 2..4 make 2 groups (3 + 4) or 3 (2 + 2 + 3).
    The count the target size suggests is the solvers' start; the exact models may use any.
    """
    s = problem.settings
    if s.mode == "pairs":
        if n % 2 and s.max_size == 2:
            raise Infeasible(f"{n} people need one trio, above the maximum size 2")
        return GroupCount.fixed(n // 2, 2, 3 if n % 2 else 2)
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
        return GroupCount.fixed(mentors, 2, hi)
    k = s.target_size
    if s.mode == "big_little":
        smaller = min(side_counts)
        if smaller == 0:
            raise Infeasible("big_little needs at least one big and one little")
        g = smaller if k == 2 else max(1, min(smaller, math.floor(n / k + 0.5)))
        lo, hi = spread(n, g)
        if s.max_size is not None and hi > s.max_size:
            raise Infeasible(
                f"{smaller} {'bigs' if side_counts[0] == smaller else 'littles'} for {n} people "
                f"force groups of {hi}, above the maximum size {s.max_size}"
            )
        return GroupCount.fixed(g, lo, hi)
    min_size = s.min_size or 2
    if n < min_size:
        raise Infeasible(f"too few participants: {n} for groups of at least {min_size}")
    g = max(1, math.floor(n / k + 0.5))
    if s.min_size is None and s.max_size is None:
        # only a target: as many groups as fit, sizes differing by at most one
        g = max(1, min(g, n // min_size))
        lo, hi = spread(n, g)
        return GroupCount.fixed(g, lo, hi)
    max_size = s.max_size or max(k, min_size)
    fewest, most = -(-n // max_size), n // min_size
    if fewest > most:
        raise Infeasible(f"{n} people cannot form groups of {min_size}..{max_size}")
    return GroupCount(min(max(g, fewest), most), min_size, max_size, fewest, most)
