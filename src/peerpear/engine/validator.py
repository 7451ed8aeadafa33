"""The standalone validator: checks a grouping against the problem's hard rules.

Deliberately shares no code with the solvers or ``plan.py``: it reads the rules straight from the
problem, so a solver bug cannot hide behind the same helper that caused it.
"""

from __future__ import annotations

import math
from collections import Counter

from peerpear.engine.problem import Problem
from peerpear.engine.result import Validation


def validate(problem: Problem, groups: list[list[str]]) -> Validation:
    """Returns every violated rule, in plain words; ``ok`` when there are none."""
    violations: list[str] = []
    known = {p.id: p for p in problem.participants}
    seen = Counter(pid for group in groups for pid in group)
    for pid in sorted(set(seen) - set(known)):
        violations.append(f"unknown participant {pid}")
    for pid in sorted(p for p, c in seen.items() if c > 1 and p in known):
        violations.append(f"{pid} appears {seen[pid]} times")
    for pid in (p.id for p in problem.participants if p.id not in seen):
        violations.append(f"{pid} is in no group")
    where = {pid: g for g, group in enumerate(groups) for pid in group}
    violations += _sizes(problem, groups)
    violations += _roles(problem, groups)
    s = problem.settings
    for rule in s.must_pair:
        if len({where.get(pid) for pid in rule}) > 1:
            violations.append(f"must-pair {', '.join(rule)} are split")
    for rule in s.never_pair:
        for i, a in enumerate(rule):
            for b in rule[i + 1 :]:
                if a != b and a in where and where.get(a) == where.get(b):
                    violations.append(f"never-pair {a} and {b} share group {where[a]}")
    for iso in s.no_isolation:
        for g, group in enumerate(groups):
            holders = [
                p
                for p in group
                if p in known and known[p].attributes.get(iso.attribute) == iso.value
            ]
            if len(holders) == 1:
                violations.append(
                    f"{holders[0]} is the only {iso.attribute} = {iso.value} in group {g}"
                )
    return Validation(ok=not violations, violations=violations)


def _sizes(problem: Problem, groups: list[list[str]]) -> list[str]:
    s = problem.settings
    n = len(problem.participants)
    sizes = [len(group) for group in groups]
    out = [f"group {g} has {size} member(s)" for g, size in enumerate(sizes) if size < 2]
    if not sizes:
        return out
    if s.mode == "pairs":
        trios = sum(1 for size in sizes if size == 3)
        if any(size not in (2, 3) for size in sizes) or trios != n % 2:
            out.append(
                f"pairs mode needs pairs and {n % 2} trio(s); got sizes {sorted(set(sizes))}"
            )
    elif s.mode == "groups":
        lo = s.min_size or 2
        if s.min_size is None and s.max_size is None:
            # Only a target size k: n / k groups, rounded (at least one, at most n / 2).
            expected = max(1, min(math.floor(n / s.target_size + 0.5), n // lo))
            if len(sizes) != expected:
                out.append(
                    f"{n} people in groups of about {s.target_size} make {expected} group(s); "
                    f"got {len(sizes)}"
                )
            if max(sizes) - min(sizes) > 1:
                out.append(f"group sizes differ by more than one ({min(sizes)}..{max(sizes)})")
            if min(sizes) < lo:
                out.append(f"a group of {min(sizes)} is below the minimum size {lo}")
        else:
            hi = s.max_size or max(s.target_size, lo)
            out += [
                f"group {g} has {size} members, outside {lo}..{hi}"
                for g, size in enumerate(sizes)
                if not lo <= size <= hi
            ]
    if s.mode == "big_little":
        out += _big_little_count(problem, len(sizes))
    if s.max_size is not None and s.mode != "groups":
        out += [
            f"group {g} has {size} members, above the maximum {s.max_size}"
            for g, size in enumerate(sizes)
            if size > s.max_size
        ]
    return out


def _big_little_count(problem: Problem, groups: int) -> list[str]:
    """big_little makes one group per member of the smaller side at size 2 (two-sided pairs,
    the larger side's extra members joining as trios), else about n / k groups, never more than
    the smaller side has members (each group needs one of them)."""
    k, n = problem.settings.target_size, len(problem.participants)
    roles = Counter(p.role for p in problem.participants)
    either = roles["either"] + roles[None]
    bigs, littles = roles["big"], roles["little"]
    # "either" people join the smaller side, one at a time.
    for _ in range(either):
        if bigs <= littles:
            bigs += 1
        else:
            littles += 1
    smaller = min(bigs, littles)
    if smaller == 0:
        return []  # no group can have both; _roles reports every group
    expected = smaller if k == 2 else max(1, min(smaller, math.floor(n / k + 0.5)))
    if groups == expected:
        return []
    return [
        f"big_little with {smaller} on the smaller side makes {expected} group(s); got {groups}"
    ]


def _roles(problem: Problem, groups: list[list[str]]) -> list[str]:
    s = problem.settings
    role = {p.id: p.role for p in problem.participants}
    out: list[str] = []
    for g, group in enumerate(groups):
        count = Counter(role.get(pid) for pid in group)
        if s.mode == "big_little":
            either = count["either"] + count[None]
            missing = max(0, 1 - count["big"]) + max(0, 1 - count["little"])
            if missing > either:
                out.append(f"group {g} lacks a big or a little")
        elif s.mode == "mentor":
            if count["mentor"] != 1:
                out.append(f"group {g} has {count['mentor']} mentors (needs exactly one)")
            if not 1 <= count["mentee"] <= s.capacity:
                out.append(f"group {g} has {count['mentee']} mentees (needs 1..{s.capacity})")
    return out
