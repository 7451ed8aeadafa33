"""The exact feasibility model: a grouping that keeps every hard rule, or a proof there is none.

``solve`` turns here only when its fast solvers return a grouping that breaks a hard rule (they
treat never-pairs and isolation as costs, so they can get stuck where a valid grouping exists).
The model is OR-Tools CP-SAT, with no objective: one boolean per (must-pair unit, group) and

- every unit in one group; every group of ``size_lo..size_hi`` people (``plan.py``); with
  explicit min/max sizes ``max_groups`` groups of which those past ``min_groups`` may be empty,
  so every allowed number of groups is open to it;
- per side, ``side_lo..side_hi`` members in a group; in big_little the ``either`` people choose
  their side here, and each side is spread evenly over the groups (counts differ by at most
  one), at least one big and one little per group;
- per never-pair entry, at most one of its people in a group;
- per no_isolation rule, none or at least two holders in a group.

Groups are interchangeable, so the model fixes their order: groups are numbered by their first
(smallest) unit, so unit u may only join groups 0..u, and group k only once group k - 1 holds a
unit before it. That spares the solver every relabelling of a grouping when it proves
infeasibility (without it, pigeonhole-like conflicts take seconds at n = 20). A holder count is
an integer of domain {0} and 2..size_hi, which CP-SAT propagates better than a big-M pair, and
the counts' sum is stated too.

Each never-pair entry and isolation rule holds under an assumption literal: when the model is
infeasible, CP-SAT names a set of them that suffices, and the error names those rules. One
worker, seeded: the same input gives the same grouping.

``ortools`` is imported only when the model runs: it takes about a second to load.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.errors import Cancelled
from peerpear.engine.plan import Plan
from peerpear.engine.problem import Problem

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

I64 = NDArray[np.int64]
# Beyond this many (unit, group) booleans the model takes too long to build (in Python: about
# 0.7 s of CPU for 35,000, e.g. 400 people in groups of 4) and to solve within a run's budget.
MAX_CELLS = 40_000
NAMED_IDS = 6  # ids shown per rule in an error message
STOP_POLL_S = 0.05


@dataclass
class ExactGrouping:
    group_of_unit: I64  # groups numbered 0..n_groups - 1, none empty
    side_of: I64  # ``plan.side_of`` with the ``either`` people on the side the model chose

    @property
    def n_groups(self) -> int:
        return int(self.group_of_unit.max()) + 1


def load_cp_sat() -> ModuleType:
    """OR-Tools' CP-SAT module, imported on first use (about a second, more on a busy machine)."""
    from ortools.sat.python import cp_model

    return cp_model


def too_large(plan: Plan) -> bool:
    return _cells(plan) > MAX_CELLS


def _cells(plan: Plan) -> int:
    nu, g = len(plan.units), plan.max_groups
    return sum(min(u + 1, g) for u in range(nu))


def exact_grouping(
    problem: Problem,
    plan: Plan,
    time_limit: float,
    hint: I64 | None = None,
    stop: Callable[[], bool] | None = None,
) -> ExactGrouping | None:
    """A valid grouping, or None when ``time_limit`` seconds ran out first.

    Raises ``Infeasible`` (naming the rules) when the model proves there is none, ``Cancelled``
    when ``stop`` asks. ``hint`` is a group per unit to start from (the heuristic's grouping).
    """
    from ortools.sat.python import cp_model

    model = _Model(problem, plan, cp_model.CpModel())
    if hint is not None:
        model.hint(hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit, 0.01)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = problem.settings.seed % 2**31
    status = _solve(solver, model.model, stop)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return model.grouping(solver)
    if status == cp_model.INFEASIBLE:
        core = set(solver.sufficient_assumptions_for_infeasibility())
        raise plan.conflict([name for lit, name in model.rules if lit.index in core])
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"the exact model is invalid: {model.model.validate()}")
    return None


def _solve(
    solver: cp_model.CpSolver, model: cp_model.CpModel, stop: Callable[[], bool] | None
) -> cp_model.CpSolverStatus:
    """Solves, stopping the search from a watcher thread when ``stop`` asks."""
    if stop is None:
        return solver.solve(model)
    done = threading.Event()
    asked = threading.Event()

    def watch() -> None:
        while not done.wait(STOP_POLL_S):
            if stop():
                asked.set()
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        status = solver.solve(model)
    finally:
        done.set()
        watcher.join()
    if asked.is_set():
        raise Cancelled("the run was cancelled")
    return status


def _names(ids: list[str]) -> str:
    shown = ", ".join(ids[:NAMED_IDS])
    return shown + (", ..." if len(ids) > NAMED_IDS else "")


class _Model:
    def __init__(self, problem: Problem, plan: Plan, model: cp_model.CpModel) -> None:
        from ortools.sat.python.cp_model import Domain, LinearExpr

        self.plan, self.model = plan, model
        self.sum = LinearExpr.sum
        self.weighted = LinearExpr.weighted_sum
        self.not_one = Domain.from_intervals([[0, 0], [2, max(plan.size_hi, 2)]])
        nu, g = len(plan.units), plan.max_groups
        self.x = [
            [model.new_bool_var(f"x{u}_{k}") for k in range(min(u + 1, g))] for u in range(nu)
        ]
        self.rules: list[tuple[cp_model.IntVar, str]] = []
        self.flex: dict[int, cp_model.IntVar] = {}
        for lits in self.x:
            model.add_exactly_one(lits)
        self._order_groups()
        sizes = [len(m) for m in plan.units]
        # groups past min_groups may stay empty (the order puts empty groups last)
        maybe_empty = Domain.from_intervals([[0, 0], [plan.size_lo, plan.size_hi]])
        for k in range(g):
            units = range(k, nu)
            expr = self.weighted([self.x[u][k] for u in units], [sizes[u] for u in units])
            if k < plan.min_groups:
                model.add_linear_constraint(expr, plan.size_lo, plan.size_hi)
            else:
                model.add_linear_expression_in_domain(expr, maybe_empty)
        if plan.sides:
            self._sides()
        for entry in problem.settings.never_pair:
            self._never(entry)
        for t, (attribute, value) in enumerate(plan.iso_tags):
            self._isolation(t, f"no_isolation {attribute} = {value}")
        model.add_assumptions([lit for lit, _ in self.rules])

    def _order_groups(self) -> None:
        """Group k > 0 takes unit u only if group k - 1 holds a unit before u."""
        model, x = self.model, self.x
        nu, g = len(self.x), self.plan.max_groups
        for k in range(g - 1):
            # before[u]: some unit <= u is in group k
            before = x[k][k]
            for u in range(k + 1, nu):
                model.add_implication(x[u][k + 1], before)
                if u + 1 < nu:
                    grown = model.new_bool_var("")
                    model.add_bool_or([~grown, before, x[u][k]])
                    model.add_implication(before, grown)
                    model.add_implication(x[u][k], grown)
                    before = grown

    def _group(self, units: I64, k: int) -> list[int]:
        return [int(u) for u in units if u >= k]

    def _sides(self) -> None:
        plan, model = self.plan, self.model
        nu, g = len(plan.units), plan.max_groups
        fixed = ~plan.flexible
        counts = np.array(
            [[int(((plan.side_of[m] == t) & fixed[m]).sum()) for t in range(2)] for m in plan.units]
        )
        for p in np.flatnonzero(plan.flexible):
            self.flex[int(p)] = model.new_bool_var(f"first_side{p}")  # True: side 0
        # per flexible person and group: "here and on side 0" (on side 1: here minus that)
        first_here = {
            (p, k): self._both(first, self.x[int(plan.unit_of[p])][k])
            for p, first in self.flex.items()
            for k in range(min(int(plan.unit_of[p]) + 1, g))
        }
        for t in range(len(plan.sides)):
            spread = model.new_int_var(0, plan.n, f"spread{t}") if self.flex else None
            for k in range(g):
                units = [u for u in range(k, nu) if counts[u, t]]
                weights = [int(counts[u, t]) for u in units]
                count = self.weighted([self.x[u][k] for u in units], weights)
                for person in self.flex:
                    unit = int(plan.unit_of[person])
                    if unit >= k:
                        here = first_here[person, k]
                        count += here if t == 0 else self.x[unit][k] - here
                if spread is None:
                    model.add_linear_constraint(count, plan.side_lo[t], plan.side_hi[t])
                else:
                    model.add(count >= spread)
                    model.add(count <= spread + 1)
                    model.add(count >= 1)

    def _both(self, a: cp_model.IntVar, b: cp_model.IntVar) -> cp_model.IntVar:
        """A literal equal to ``a and b``."""
        both = self.model.new_bool_var("")
        self.model.add_implication(both, a)
        self.model.add_implication(both, b)
        self.model.add_bool_or([both, ~a, ~b])
        return both

    def _never(self, entry: list[str]) -> None:
        index = {pid: i for i, pid in enumerate(self.plan.ids)}
        people = sorted({index[pid] for pid in entry if pid in index})  # a repair: some people
        if len(people) < 2:
            return
        lit = self.model.new_bool_var("never")
        self.rules.append((lit, f"never-pair {_names([self.plan.ids[p] for p in people])}"))
        units = np.unique(self.plan.unit_of[people])  # one person per unit: build_plan checks
        for k in range(self.plan.max_groups):
            members = self._group(units, k)
            if len(members) > 1:
                self.model.add(self.sum([self.x[u][k] for u in members]) <= 1).only_enforce_if(lit)

    def _isolation(self, t: int, name: str) -> None:
        plan = self.plan
        holders = np.array([int(plan.iso_member[m, t].sum()) for m in plan.units])
        total = int(holders.sum())
        if total == 0:
            return
        lit = self.model.new_bool_var("isolation")
        self.rules.append((lit, name))
        units = np.flatnonzero(holders)
        counts = []
        for k in range(plan.max_groups):
            members = self._group(units, k)
            if not members:
                continue
            weights = [int(holders[u]) for u in members]
            count = self.weighted([self.x[u][k] for u in members], weights)
            none_or_two = self.model.new_int_var_from_domain(self.not_one, "")
            self.model.add(count == none_or_two).only_enforce_if(lit)
            counts.append(none_or_two)
        # implied, but stated it lets presolve reason on the counts alone (parity: groups of 2
        # hold an even number of holders, so an odd total is infeasible at once)
        self.model.add(self.sum(counts) == total).only_enforce_if(lit)

    def hint(self, group_of_unit: I64) -> None:
        """Starts the search from a grouping (-1: no group), relabelled in the model's order."""
        label: dict[int, int] = {}
        for u, group in enumerate(group_of_unit.tolist()):
            if group < 0:
                continue
            k = label.setdefault(group, len(label))
            if k < len(self.x[u]):
                self.model.add_hint(self.x[u][k], True)
        for p, first in self.flex.items():
            self.model.add_hint(first, bool(self.plan.side_of[p] == 0))

    def grouping(self, solver: cp_model.CpSolver) -> ExactGrouping:
        groups = np.array(
            [next(k for k, lit in enumerate(lits) if solver.boolean_value(lit)) for lits in self.x],
            dtype=np.int64,
        )
        side_of = self.plan.side_of.copy()
        for p, first in self.flex.items():
            side_of[p] = 0 if solver.boolean_value(first) else 1
        return ExactGrouping(groups, side_of)
