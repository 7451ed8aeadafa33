"""What a proposed grouping must satisfy, group by group, as the validator reads the rules.

The repair of a proposal (``proposal_repair.py``) judges the proposal with these checks and
moves as few people as it can. They follow the validator rather than the solvers' plan where
the plan is stricter than the rules (the plan spreads bigs and littles evenly and sizes
big_little groups alike; the validator asks each group for a big and a little), so that a
proposal is not "repaired" where nothing is wrong. The plan still gives the group count and
size range, and ``fill_to``: the size new people are placed up to, so placements stay even.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from peerpear.engine.plan import Plan
from peerpear.engine.problem import Mode, Problem


@dataclass(frozen=True)
class Shape:
    mode: Mode
    lo: int  # every group has lo..hi people
    hi: int
    fill_to: int  # placing people, a group is full at this size (at most ``hi``)
    fewest: int  # groups
    most: int
    capacity: int  # mentees per mentor

    def sizes(self) -> str:
        return f"{self.lo}" if self.lo == self.hi else f"{self.lo}..{self.hi}"

    def counts(self) -> str:
        return f"{self.fewest}" if self.fewest == self.most else f"{self.fewest}..{self.most}"


def shape_of(problem: Problem, plan: Plan) -> Shape:
    s = problem.settings
    lo, hi = plan.size_lo, plan.size_hi
    if s.mode == "big_little":  # the validator asks only for 2 or more, up to max_size
        lo, hi = 2, s.max_size or max(plan.n, 2)
    elif s.mode == "mentor":
        lo = 2
    return Shape(
        mode=s.mode,
        lo=lo,
        hi=hi,
        fill_to=min(plan.size_hi, hi),
        fewest=plan.min_groups,
        most=plan.max_groups,
        capacity=s.capacity,
    )


class Roles:
    """The role rules of big_little and mentor groups, on person indices."""

    def __init__(self, problem: Problem, shape: Shape) -> None:
        self.mode, self.capacity = shape.mode, shape.capacity
        # None counts as ``either`` in big_little, as in the validator
        self.role = [p.role or "either" for p in problem.participants]

    def counts(self, members: list[int]) -> Counter[str]:
        return Counter(self.role[i] for i in members)

    def problem(self, members: list[int]) -> str | None:
        """What the group's roles break, in words; None when they keep the rules."""
        c = self.counts(members)
        if self.mode == "big_little":
            lacking = (c["big"] == 0) + (c["little"] == 0)
            if lacking > c["either"]:
                return "has no big or no little"
        elif self.mode == "mentor":
            if c["mentor"] != 1:
                return f"has {c['mentor']} mentors instead of one"
            if not 1 <= c["mentee"] <= self.capacity:
                return f"has {c['mentee']} mentees; each mentor takes 1..{self.capacity}"
        return None

    def lacks(self, members: list[int]) -> set[str]:
        """Roles the group needs one more of (fixed by adding someone)."""
        c = self.counts(members)
        if self.mode == "big_little":
            lacking = {r for r in ("big", "little") if c[r] == 0}
            return lacking if len(lacking) > c["either"] else set()
        if self.mode == "mentor":
            return {r for r in ("mentor", "mentee") if c[r] == 0}
        return set()

    def provides(self, unit: list[int], lacking: set[str]) -> bool:
        roles = {self.role[i] for i in unit}
        if self.mode == "big_little" and "either" in roles:
            return bool(lacking)
        return bool(roles & lacking)

    def excess(self, members: list[int]) -> bool:
        """Too many of a role, so adding cannot help: someone has to leave."""
        c = self.counts(members)
        return self.mode == "mentor" and (c["mentor"] > 1 or c["mentee"] > self.capacity)

    def can_join(self, unit: list[int], members: list[int]) -> bool:
        """Whether adding ``unit`` keeps the group within its role limits."""
        return not self.excess(members + unit)


def rule_problems(problem: Problem, groups: list[list[str]]) -> list[str]:
    """Must-pair rules split, never-pairs together and isolated holders, in words (the groups
    are numbered from 1 as proposed)."""
    where = {pid: g for g, group in enumerate(groups) for pid in group}
    known = {p.id: p for p in problem.participants}
    found: list[str] = []
    s = problem.settings
    for rule in s.must_pair:
        placed = {where[pid] for pid in rule if pid in where}
        if len(placed) > 1:
            found.append(f"must-pair {', '.join(rule)} were split over {len(placed)} groups")
    for rule in s.never_pair:
        for i, a in enumerate(rule):
            for b in rule[i + 1 :]:
                if a != b and a in where and where.get(a) == where.get(b):
                    found.append(f"never-pair {a} and {b} were together in group {where[a] + 1}")
    for iso in s.no_isolation:
        for g, group in enumerate(groups):
            holders = [p for p in group if known[p].attributes.get(iso.attribute) == iso.value]
            if len(holders) == 1:
                found.append(
                    f"{holders[0]} was the only {iso.attribute} = {iso.value} in group {g + 1}"
                )
    return found
