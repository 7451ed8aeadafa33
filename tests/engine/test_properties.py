"""Property-based tests: on random problems in every mode, every rule holds, "infeasible" is true,
and seeds reproduce.

The rules here are written from DESIGN §3 and the ``PairingSettings`` docstring directly (not via
``validate`` or the engine's plan), so they also test the validator and the plan: a returned
grouping must satisfy both. ``broken_rules`` is that reading:

- pairs: pairs, and one trio when the count is odd;
- groups (target size k): n / k groups (rounded, at most n // 2), sizes differing by at most one;
  with explicit ``min_size``/``max_size``: any number of groups, every size in min..max (max
  defaults to max(k, min), min to 2);
- big_little: as many groups as the target size gives, at most the number of groups that can
  each have a big and a little (``either`` people take whichever side is short), and with size 2
  exactly that; sizes differing by at most one; in every group at least one big and one little,
  each side spread evenly (its counts differ by at most one), ``either`` people choosing a side;
- mentor: one group per mentor, each with that mentor and 1..capacity mentees;
- must-pair people share a group, never-pair people do not, and no group has exactly one holder
  of a ``no_isolation`` value.

On problems of up to ``BRUTE_FORCE_MAX`` people ``valid_grouping_exists`` enumerates groupings to
decide feasibility, and the engine must agree: ``Infeasible`` exactly when none exists, a valid
result otherwise (``NoSolutionFound`` is a failure here: small problems must be decided).
"""

from __future__ import annotations

import itertools
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerpear.engine import Infeasible, Problem, Result, solve, validate
from peerpear.engine.counting import count_grouping
from peerpear.engine.plan import build_plan
from tests.engine.conftest import random_problem

# the module, not the function: `import peerpear.engine.solve` would rebind the package's lazy
# `solve` attribute to the module of the same name
solve_module = sys.modules["peerpear.engine.solve"]

ROLES = {
    "pairs": None,
    "groups": None,
    "big_little": ["big", "little", "little", "either"],
    "mentor": ["mentor", "mentee", "mentee"],
}
BRUTE_FORCE_MAX = 9
LARGE_BUDGET = 30_000  # placements the enumeration may try on a larger problem


def _rounded(x: float) -> int:
    return int(x + 0.5)


def shape(problem: Problem) -> tuple[int, int, int, int]:
    """(fewest groups, most groups, smallest size, largest size) the settings allow."""
    s, people = problem.settings, problem.participants
    n = len(people)
    k = s.target_size
    if s.mode == "pairs":
        return n // 2, n // 2, 2, 2 + n % 2
    if s.mode == "mentor":
        mentors = sum(p.role == "mentor" for p in people)
        return mentors, mentors, 2, s.capacity + 1
    if s.mode == "groups" and (s.min_size is not None or s.max_size is not None):
        lo = s.min_size or 2
        hi = s.max_size or max(k, lo)
        return -(-n // hi), n // lo, lo, hi
    if s.mode == "groups":
        count = max(1, min(_rounded(n / k), n // 2))
    else:
        roles = Counter(p.role or "either" for p in people)
        bigs, littles, either = roles["big"], roles["little"], roles["either"]
        most = min(bigs + either, littles + either, n // 2)  # groups with a big and a little
        count = most if k == 2 else max(1, min(most, _rounded(n / k)))
    if count == 0:
        return 0, 0, 2, 2
    return count, count, n // count, -(-n // count)


def _sides_hold(problem: Problem, groups: list[list[str]]) -> bool:
    """Some choice of side for the ``either`` people gives every group a big and a little and
    spreads each side evenly."""
    role = {p.id: p.role or "either" for p in problem.participants}
    flexible = [pid for g in groups for pid in g if role[pid] == "either"]
    for choice in itertools.product(["big", "little"], repeat=len(flexible)):
        side = {**role, **dict(zip(flexible, choice, strict=True))}
        counts = [[sum(side[pid] == s for pid in g) for g in groups] for s in ("big", "little")]
        if all(min(c) >= 1 and max(c) - min(c) <= 1 for c in counts):
            return True
    return False


def broken_rules(problem: Problem, groups: list[list[str]]) -> list[str]:
    """The rules (read from DESIGN §3) that ``groups`` breaks; empty when it is valid."""
    s = problem.settings
    broken = []
    counts = Counter(pid for g in groups for pid in g)
    if sorted(counts) != sorted(problem.ids) or set(counts.values()) != {1}:
        broken.append("not everyone exactly once")
    fewest, most, lo, hi = shape(problem)
    sizes = [len(g) for g in groups]
    if not fewest <= len(groups) <= most or not all(lo <= size <= hi for size in sizes):
        broken.append(f"sizes {sorted(sizes)}, expected {fewest}..{most} groups of {lo}..{hi}")
    person = {p.id: p for p in problem.participants}
    if s.mode == "big_little" and not _sides_hold(problem, groups):
        broken.append("bigs and littles")
    for g in groups:
        roles = Counter(person[pid].role for pid in g)
        if s.mode == "mentor" and not (roles["mentor"] == 1 and 1 <= roles["mentee"] <= s.capacity):
            broken.append(f"mentor group {g}")
        for rule in s.no_isolation:
            holders = [pid for pid in g if person[pid].attributes.get(rule.attribute) == rule.value]
            if len(holders) == 1:
                broken.append(f"{holders[0]} isolated")
    where = {pid: k for k, g in enumerate(groups) for pid in g}
    for ids in s.must_pair:
        if len({where.get(pid) for pid in ids}) > 1:
            broken.append(f"must-pair {ids}")
    for ids in s.never_pair:
        for a, b in itertools.combinations(sorted(set(ids)), 2):
            if where.get(a) == where.get(b):
                broken.append(f"never-pair {a} {b}")
    return broken


class Undecided(Exception):
    """The enumeration went past its budget of placements."""


def _groupings(problem: Problem, budget: int | None = None) -> Iterator[list[list[str]]]:
    """Every split of the people into an allowed number of groups within the size range that
    keeps must-pair and never-pair (a restricted-growth enumeration, pruned by size); raises
    ``Undecided`` after ``budget`` placements."""
    ids = problem.ids
    fewest, count, lo, hi = shape(problem)
    placed = 0
    s = problem.settings
    never = {
        frozenset(pair) for ids_ in s.never_pair for pair in itertools.combinations(set(ids_), 2)
    }
    partners: dict[str, set[str]] = {}
    for group in s.must_pair:
        for a, b in itertools.combinations(set(group), 2):
            partners.setdefault(a, set()).add(b)
            partners.setdefault(b, set()).add(a)

    def grow(i: int, groups: list[list[str]]) -> Iterator[list[list[str]]]:
        nonlocal placed
        placed += 1
        if budget is not None and placed > budget:
            raise Undecided
        left = len(ids) - i
        short = sum(max(0, lo - len(g)) for g in groups) + max(0, fewest - len(groups)) * lo
        if short > left:
            return
        if i == len(ids):
            yield [list(g) for g in groups]
            return
        pid = ids[i]
        options = [*groups, []] if len(groups) < count else groups
        for g in options:
            if len(g) >= hi or any(frozenset((pid, other)) in never for other in g):
                continue
            placed_apart = any(
                q in other and other is not g for q in partners.get(pid, ()) for other in groups
            )
            if placed_apart:
                continue
            g.append(pid)
            if len(g) == 1:
                groups.append(g)
            yield from grow(i + 1, groups)
            g.pop()
            if not g:
                groups.pop()

    yield from grow(0, [])


def valid_grouping_exists(problem: Problem, budget: int | None = None) -> bool:
    """Whether some grouping keeps every rule; ``Undecided`` past ``budget`` placements."""
    return any(not broken_rules(problem, groups) for groups in _groupings(problem, budget))


def check_result(problem: Problem, result: Result) -> None:
    groups = [g.members for g in result.groups]
    assert broken_rules(problem, groups) == []
    assert result.validation.ok and validate(problem, groups).ok
    for p in result.participants:
        assert p.id in groups[p.group] and 0 <= p.satisfaction <= 1 and p.explanation


def _tightened(draw: st.DrawFn, problem: Problem) -> Problem:
    """``problem`` with rules drawn near the edge of feasibility, where the fast solvers get
    stuck and the exact fallback must decide: a never-pair clique of about as many people as
    there may be groups (or one more than the target size suggests), a must-pair unit of about
    the largest size (holding one of the clique), a no_isolation value held by a few people (2,
    3, or a count near the number of groups). Roles are the cycled mix, so the rules decide."""
    data = problem.model_dump(mode="json")
    ids = problem.ids
    n = len(ids)
    fewest, most, _, hi = shape(problem)
    order = draw(st.permutations(ids))
    rules = data["settings"]
    kinds = draw(st.sets(st.sampled_from(["never", "must", "isolation"]), min_size=1))
    clique = 1
    if "never" in kinds:
        # one more than the groups the target suggests: only another number of groups fits
        suggested = min(max(int(n / problem.settings.target_size + 0.5), fewest), most)
        near = [most - 1, most, most, most + 1, suggested + 1]
        clique = min(n, max(2, draw(st.sampled_from(near))))
        rules["never_pair"] = [order[:clique]]
    if "must" in kinds:
        # one member of the clique (if any) and people outside it: tight, not a plain conflict
        size = min(n - clique + 1, max(2, hi + draw(st.sampled_from([-1, 0, 0]))))
        if size >= 2:
            rules["must_pair"] = [[order[0], *order[clique : clique + size - 1]]]
    if "isolation" in kinds:
        holders = draw(st.sampled_from([2, 3, 3, max(2, fewest - 1), fewest + 1, 2 * most - 1]))
        chosen = set(draw(st.permutations(ids))[: min(n, holders)])
        for person in data["participants"]:
            person["attributes"] = {"gender": "f" if person["id"] in chosen else "m"}
        values = draw(st.sampled_from([["f"], ["f"], ["f", "m"]]))
        rules["no_isolation"] = [{"attribute": "gender", "value": v} for v in values]
    return Problem.model_validate(data)


@st.composite
def problems(draw: st.DrawFn, sizes: tuple[int, int] = (4, 22)) -> Problem:
    """Random problems in every mode; two in three with rules near the edge (``_tightened``)."""
    mode = draw(st.sampled_from(sorted(ROLES)))
    n = draw(st.integers(*sizes))
    seed = draw(st.integers(0, 1000))
    extra: dict[str, Any] = {"objective": draw(st.sampled_from(["fair", "total"]))}
    if mode == "groups":
        extra["group_size"] = draw(st.integers(2, 5))
        bounds = draw(st.sampled_from(["target", "target", "min_max", "min", "max"]))
        if bounds in ("min_max", "min"):
            extra["min_size"] = draw(st.integers(2, 3))
        if bounds in ("min_max", "max"):
            extra["max_size"] = draw(st.integers(extra.get("min_size", 2), 5))
    if mode == "big_little":
        extra["group_size"] = draw(st.sampled_from([2, 2, 3, 4]))
    if mode == "mentor":
        extra["capacity"] = draw(st.integers(2, 3))
    roles = ROLES[mode]
    if draw(st.integers(0, 2)):  # the cycled roles: the rules alone decide
        return _tightened(draw, random_problem(n, seed, roles=roles, mode=mode, **extra))
    if roles is not None and draw(st.booleans()):  # any mix of roles, not only the cycle
        roles = draw(st.lists(st.sampled_from(sorted(set(roles))), min_size=n, max_size=n))
    ids = [f"p{i}" for i in range(n)]
    pick = st.lists(st.sampled_from(ids), min_size=2, max_size=3, unique=True)
    extra["must_pair"] = draw(st.lists(pick, max_size=2))
    extra["never_pair"] = draw(st.lists(pick, max_size=3))
    extra["history"] = draw(st.lists(pick, max_size=3))
    extra["no_isolation"] = [
        {"attribute": "gender", "value": v}
        for v in draw(st.lists(st.sampled_from(["f", "m"]), max_size=2, unique=True))
    ]
    return random_problem(n, seed, roles=roles, attributes=True, mode=mode, **extra)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(sizes=(4, BRUTE_FORCE_MAX)))
def test_infeasible_exactly_when_brute_force_finds_no_valid_grouping(problem: Problem) -> None:
    feasible = valid_grouping_exists(problem)
    try:
        result = solve(problem)
    except Infeasible as err:
        assert not feasible, f"called infeasible, but a valid grouping exists: {err}"
        assert str(err) and "\n" not in str(err)
        return
    assert feasible
    check_result(problem, result)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(sizes=(4, BRUTE_FORCE_MAX)))
def test_the_exact_fallback_alone_decides_like_brute_force(problem: Problem) -> None:
    # as if every fast solver had got stuck: the exact models alone must find a valid grouping
    # of every feasible problem and prove every infeasible one
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(solve_module, "_fast", lambda *args, **kwargs: None)
        try:
            result = solve(problem)
        except Infeasible as err:
            assert not valid_grouping_exists(problem), f"called infeasible: {err}"
            return
    assert valid_grouping_exists(problem)
    assert result.metrics.solver in ("exact", "exact+local_search")
    check_result(problem, result)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(sizes=(4, BRUTE_FORCE_MAX)))
def test_the_counting_relaxation_refuses_no_feasible_problem_and_its_groups_keep_the_rules(
    problem: Problem,
) -> None:
    # solve runs it only after the search failed; here it runs on everything the plan accepts
    try:
        plan = build_plan(problem)
        found = count_grouping(plan, time_limit=10.0)
    except Infeasible as err:
        assert not valid_grouping_exists(problem), f"refused a feasible problem: {err}"
        return
    assert found is not None
    groups = [[plan.ids[p] for u in np.flatnonzero(found.group_of_unit == g) for p in plan.units[u]]
              for g in range(found.n_groups)]  # fmt: skip
    rules = broken_rules(problem, groups)
    if problem.settings.never_pair:  # it leaves never-pairs out: those alone may break
        rules = [rule for rule in rules if not rule.startswith("never-pair")]
    assert rules == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems())
def test_every_rule_holds_or_infeasibility_is_proven(problem: Problem) -> None:
    # above BRUTE_FORCE_MAX the enumeration may not finish; where it does (within its budget)
    # the engine must agree with it. A search that finds nothing in time fails the test.
    try:
        result = solve(problem)
    except Infeasible as err:
        message = str(err)
        assert message and "\n" not in message
        rules = problem.settings
        cycle = ROLES[rules.mode]
        cycled = cycle is None or all(
            p.role == cycle[i % len(cycle)] for i, p in enumerate(problem.participants)
        )
        # without pair rules, with the cycled role mixes and sizes some number of groups fits,
        # every problem is feasible
        fewest, most, _, _ = shape(problem)
        pair_rules = rules.must_pair or rules.never_pair or rules.no_isolation
        assert pair_rules or not cycled or fewest > most, message
        try:
            feasible = valid_grouping_exists(problem, budget=LARGE_BUDGET)
        except Undecided:
            return
        assert not feasible, f"called infeasible, but a valid grouping exists: {message}"
        return
    check_result(problem, result)


@settings(max_examples=15, deadline=None)
@given(problem=problems())
def test_the_same_seed_gives_the_same_result(problem: Problem) -> None:
    try:
        first = solve(problem)
    except Infeasible:
        return
    again = solve(Problem.model_validate(problem.model_dump()))
    assert [g.members for g in first.groups] == [g.members for g in again.groups]
    assert [p.explanation for p in first.participants] == [
        p.explanation for p in again.participants
    ]
