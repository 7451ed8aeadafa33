"""Entry point: picks the solver for the mode, checks the result, builds metrics.

- one-pool pairs: maximum-weight matching (``matching.py``);
- two-sided 1:1 (big_little of size 2 with equal sides, mentor with capacity 1): exact
  assignment (``assignment.py``);
- everything else, and any mode with ``no_isolation`` rules: constructive start plus local search
  (``search.py``).
Every result goes through the standalone validator; a grouping that breaks a rule is never
returned. When the fast solver's grouping breaks one (they treat never-pairs and isolation as
costs and can get stuck), the exact models run with what is left of the budget, at least
``MIN_EXACT_S``: first the counting model (``counting.py``), which proves counting conflicts
and, without never-pairs, is the whole exact model at any size; with never-pairs then the full
model (``exact.py``) or, above its size limit, the full model over the broken groups and some
around them (``repair.py``). A valid grouping is improved by the local search and checked again; a
proof that there is none fails the run with ``Infeasible``; a timeout (or a failed repair) with
``NoSolutionFound``: nothing proven.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.affinity import compute_affinity
from peerpear.engine.assignment import solve_two_sided, two_sided_applies
from peerpear.engine.counting import count_grouping
from peerpear.engine.embedding import Embedder
from peerpear.engine.errors import Cancelled, NoSolutionFound
from peerpear.engine.exact import ExactGrouping, exact_grouping, load_cp_sat, too_large
from peerpear.engine.matching import solve_pairs
from peerpear.engine.neighbours import BEST_MATCHES, top_neighbours
from peerpear.engine.plan import Plan, build_plan
from peerpear.engine.problem import Problem
from peerpear.engine.repair import repair
from peerpear.engine.report import build_result
from peerpear.engine.result import Result, Validation
from peerpear.engine.search import initial_grouping, search_groups
from peerpear.engine.solution import Solution
from peerpear.engine.validator import validate

I64 = NDArray[np.int64]
REPORT_SHARE = 0.75  # the fast solvers stop at this share of the budget
EXACT_SHARE = 0.9  # the exact model, when it runs, until this share
MIN_EXACT_S = 1.0  # but never less: a tiny budget must not turn "not found" into a failure
COUNTS_SHARE = 0.25  # of the exact budget, at most, for the counting model
POLISH_S = 0.25  # the local search after the exact model gets at least this


def default_time_limit(n: int) -> float:
    """Seconds for a whole run: small inputs finish at a local optimum long before."""
    return min(10.0, 2.0 + n / 1000)


class Run:
    """Progress reporting and cancellation shared by the phases."""

    def __init__(
        self,
        progress: Callable[[float], None] | None,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self.progress, self.should_stop = progress, should_stop

    def stopped(self) -> bool:
        return self.should_stop is not None and self.should_stop()

    def step(self, fraction: float) -> None:
        if self.stopped():
            raise Cancelled("the run was cancelled")
        if self.progress is not None:
            self.progress(min(max(fraction, 0.0), 1.0))


def solve(
    problem: Problem,
    *,
    embedder: Embedder | None = None,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Result:
    """Solves ``problem``.

    Raises ``Infeasible`` when the rules provably cannot all hold, ``NoSolutionFound`` when no
    valid grouping was found in time, ``EngineError`` for a malformed problem and ``Cancelled``
    on ``should_stop``. While the exact model runs, ``should_stop`` is called from a watcher
    thread (every 50 ms).
    """
    started = time.perf_counter()
    run = Run(progress, should_stop)
    run.step(0.0)
    plan = build_plan(problem)
    affinity = compute_affinity(problem, embedder)
    run.step(0.2)
    limit = problem.settings.time_limit_s or default_time_limit(plan.n)
    # the search gets what is left of 75% of the budget; the rest is for checking and reporting
    # (explanations at n = 10,000 take 0.5 s, and two to three times that on a busy machine)
    deadline = time.monotonic() + max(REPORT_SHARE * limit - (time.perf_counter() - started), 0.1)
    top_idx, top_val = top_neighbours(affinity, max(BEST_MATCHES, plan.size_hi))
    solution = _fast(problem, plan, affinity, top_idx, deadline, run)
    checked = None if solution is None else _check(problem, plan, solution)
    if solution is None or checked is None or not checked[1].ok:
        if checked is None:
            broken = "the greedy construction got stuck"
        else:
            broken = f"its best grouping breaks a rule: {checked[1].violations[0]}"
        hint = None if solution is None else _unit_groups(plan, solution.groups)
        until = started + EXACT_SHARE * limit
        plan, solution = _exact(problem, plan, affinity, top_idx, hint, broken, limit, until, run)
        checked = _check(problem, plan, solution)
    run.step(0.9)
    result = _result(problem, plan, affinity, top_val, solution, checked, started)
    if progress is not None:
        progress(1.0)
    return result


def _fast(
    problem: Problem,
    plan: Plan,
    affinity: NDArray[np.float32],
    neighbours: I64,
    deadline: float,
    run: Run,
) -> Solution | None:
    """The mode's fast solver; None when its construction got stuck."""
    objective = problem.settings.objective
    if plan.mode == "pairs" and not plan.iso_tags:
        rng = np.random.default_rng(problem.settings.seed)
        return solve_pairs(plan, affinity, objective, rng, deadline)
    if two_sided_applies(plan):
        return solve_two_sided(plan, affinity, objective)
    try:
        start = initial_grouping(plan, affinity, np.random.default_rng(problem.settings.seed))
    except NoSolutionFound:
        return None
    run.step(0.3)
    groups = search_groups(
        plan,
        affinity,
        start,
        objective,
        neighbours,
        deadline,
        lambda rounds: run.step(0.3 + 0.6 * (1 - 0.8**rounds)),
        run.stopped,
    )
    return Solution(groups, "local_search")


def _exact(
    problem: Problem,
    plan: Plan,
    affinity: NDArray[np.float32],
    neighbours: I64,
    hint: I64 | None,
    broken: str,
    limit: float,
    until: float,
    run: Run,
) -> tuple[Plan, Solution]:
    """A valid grouping from the exact model, improved by the local search where it stays valid.

    The exact models get the time left until ``until`` (a ``perf_counter`` reading), at least
    ``MIN_EXACT_S``, counted once OR-Tools is loaded: its first import in a process takes one
    to three seconds, which must not leave the model no time. Returns the plan with the sides
    the model chose for ``either`` people.
    """
    load_cp_sat()
    budget = max(until - time.perf_counter(), MIN_EXACT_S)
    end = time.monotonic() + budget  # of the exact models and the local search after them
    started = time.perf_counter()
    counted = count_grouping(plan, COUNTS_SHARE * budget)  # cheap, at any size
    budget = max(budget - (time.perf_counter() - started), 0.0)
    if counted is not None and not plan.never:
        found: ExactGrouping | None = counted  # without never-pairs it is the whole model
    elif too_large(plan):
        found = _repaired(problem, plan, neighbours, hint, budget, run)
        if found is None:
            raise NoSolutionFound(
                f"no valid grouping found ({broken}); {len(plan.units)} units in "
                f"{plan.n_groups} groups are too many for the exact check, and re-solving the "
                "groups around the broken ones exactly found none in time"
            )
    else:
        found = exact_grouping(problem, plan, budget, hint, run.should_stop)
    if found is None:
        raise NoSolutionFound(
            f"no valid grouping found within the time limit of {limit:g} s ({broken}; the exact "
            "search ran out of time); a longer time limit may find one"
        )
    run.step(0.8)
    plan = plan.with_sides(found.side_of).with_groups(found.n_groups)
    exact = Solution(_groups_of(plan, found.group_of_unit), "exact")
    # what is left, at least POLISH_S: small inputs reach a local optimum long before
    deadline = max(end, time.monotonic() + POLISH_S)
    improved = search_groups(
        plan, affinity, found.group_of_unit, problem.settings.objective, neighbours, deadline,
        stop=run.stopped,
    )  # fmt: skip
    polished = Solution(improved, "exact+local_search")
    if _check(problem, plan, polished)[1].ok:
        return plan, polished
    return plan, exact  # the local search keeps rules as costs; never trade validity for them


def _repaired(
    problem: Problem, plan: Plan, neighbours: I64, hint: I64 | None, budget: float, run: Run
) -> ExactGrouping | None:
    """The fast solver's grouping with its broken groups re-solved exactly (``repair.py``)."""
    if hint is None or (hint < 0).any():
        return None  # nothing whole to repair
    repaired = repair(problem, plan, hint, neighbours, budget, run.should_stop)
    return None if repaired is None else ExactGrouping(repaired, plan.side_of)


def _unit_groups(plan: Plan, groups: list[list[int]]) -> I64:
    """The group of each unit's first member in ``groups`` (-1 where it is in none)."""
    group_of = np.full(plan.n, -1, dtype=np.int64)
    for g, members in enumerate(groups):
        group_of[members] = g
    return group_of[[int(m[0]) for m in plan.units]]


def _groups_of(plan: Plan, group_of_unit: I64) -> list[list[int]]:
    groups: list[list[int]] = [[] for _ in range(plan.n_groups)]
    for u, members in enumerate(plan.units):
        groups[int(group_of_unit[u])].extend(int(p) for p in members)
    return groups


def _check(problem: Problem, plan: Plan, solution: Solution) -> tuple[list[list[int]], Validation]:
    """The groups in canonical order (sorted members, by first member) and their validation."""
    groups = sorted((sorted(g) for g in solution.groups), key=lambda g: g[0])
    return groups, validate(problem, [[plan.ids[i] for i in g] for g in groups])


def _result(
    problem: Problem,
    plan: Plan,
    affinity: NDArray[np.float32],
    top_values: NDArray[np.float32],
    solution: Solution,
    checked: tuple[list[list[int]], Validation],
    started: float,
) -> Result:
    groups, validation = checked
    if not validation.ok:  # the exact model and the validator disagree: never return it
        raise NoSolutionFound(f"no valid grouping found: {validation.violations[0]}")
    return build_result(
        problem,
        affinity,
        top_values,
        groups,
        validation,
        cost=plan.cost,
        solution=solution,
        started=started,
    )
