"""A grouping proposed from outside the engine (by a language model), checked and repaired.

The proposal is judged first, as written (``RepairReport``: unknown ids, duplicates, people
left out, groups of the wrong size or roles, broken pair rules), then repaired with as few
moves as the greedy steps below find, in this order:

1. unknown ids are dropped; a person named twice stays in the first group that names them;
2. must-pair partners join the group that holds most of them; of a never-pair (avoid requests
   included) sharing a group, the later-named one leaves;
3. too many groups: the smallest (those breaking a role rule first) are dissolved; too few:
   empty ones are opened;
4. groups too large, or with too many mentors or mentees, give up the members that fit them
   least;
5. everyone left out or displaced is placed, a must-pair unit at a time, into the group that
   needs them (too small, lacking a role) or else the one they fit best, with room, no
   never-pair and role limits kept;
6. groups still too small or lacking a role take the best-fitting member that another group
   can spare.

Nothing is optimized afterwards: the point is to measure the proposal, not the engine. When the
greedy steps still leave a rule broken (isolation rules, tight never-pairs), the exact model
finds a valid grouping starting from the repaired one (``exact_fallback``); the report counts
the moves either way by comparing the final groups with the proposal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field

from peerpear.engine.affinity import compute_affinity
from peerpear.engine.embedding import Embedder
from peerpear.engine.errors import NoSolutionFound
from peerpear.engine.exact import exact_grouping, load_cp_sat, too_large
from peerpear.engine.plan import Plan, build_plan
from peerpear.engine.problem import Problem
from peerpear.engine.proposal_rules import Roles, Shape, rule_problems, shape_of
from peerpear.engine.validator import validate

F32 = NDArray[np.float32]
EXACT_FALLBACK_S = 10.0


class RepairReport(BaseModel):
    """What was wrong with a proposal and what the engine changed. The lists of problems
    describe the proposal as written (groups numbered from 1), before any repair."""

    proposed_groups: int
    unknown_ids: list[str] = Field(description="Ids that name nobody in the run: dropped.")
    duplicates: list[str] = Field(description="People named more than once: kept once.")
    missing_placed: list[str] = Field(description="People left out: placed by the engine.")
    size_fixes: list[str] = Field(description="Groups of a size (or a count) the rules forbid.")
    role_fixes: list[str] = Field(description="Groups without the roles the mode asks for.")
    rule_fixes: list[str] = Field(description="Must-pair, never-pair and isolation rules broken.")
    moved: list[str] = Field(description="People proposed in one group and placed in another.")
    kept_share: float = Field(description="Share of everyone kept in the group proposed.")
    exact_fallback: bool = Field(
        default=False, description="The greedy repair fell short; the exact model finished it."
    )


@dataclass
class Repaired:
    groups: list[list[str]]
    # per group: the proposed group (index) it continues, None for a group the engine opened
    origin: list[int | None]
    report: RepairReport


class _State:
    def __init__(self, problem: Problem, plan: Plan, shape: Shape, affinity: F32) -> None:
        self.plan, self.shape, self.affinity = plan, shape, affinity
        self.roles = Roles(problem, shape)
        self.never: dict[int, set[int]] = {}
        for a, b in plan.never:
            self.never.setdefault(a, set()).add(b)
            self.never.setdefault(b, set()).add(a)
        self.groups: list[list[int]] = []
        self.origin: list[int | None] = []
        self.dissolved: set[int] = set()
        self.waiting: list[list[int]] = []  # units to place

    def unit(self, person: int) -> list[int]:
        return [int(p) for p in self.plan.units[int(self.plan.unit_of[person])]]

    def units_in(self, g: int) -> list[list[int]]:
        seen: dict[int, list[int]] = {}
        for p in self.groups[g]:
            seen.setdefault(int(self.plan.unit_of[p]), []).append(p)
        return list(seen.values())

    def live(self) -> list[int]:
        return [g for g in range(len(self.groups)) if g not in self.dissolved]

    def fit(self, unit: list[int], members: list[int]) -> float:
        others = [m for m in members if m not in unit]
        if not others:
            return 0.0
        return float(self.affinity[np.ix_(unit, others)].mean())

    def clash(self, unit: list[int], members: list[int]) -> bool:
        return any(self.never.get(p, set()) & set(members) for p in unit)

    def take(self, unit: list[int], g: int) -> None:
        self.groups[g] = [p for p in self.groups[g] if p not in unit]

    def short(self, g: int) -> bool:
        members = self.groups[g]
        return len(members) < self.shape.lo or bool(self.roles.lacks(members))


def repair_proposal(
    problem: Problem, proposed: list[list[str]], *, embedder: Embedder | None = None
) -> Repaired:
    """A valid grouping as close to ``proposed`` as the repair gets, and its report.

    Raises ``Infeasible`` when the rules cannot hold at all (as ``solve`` does) and
    ``NoSolutionFound`` when neither the greedy repair nor the exact model found one in time.
    """
    plan = build_plan(problem)
    shape = shape_of(problem, plan)
    state = _State(problem, plan, shape, compute_affinity(problem, embedder))
    index = {pid: i for i, pid in enumerate(problem.ids)}
    unknown: dict[str, None] = {}
    twice: dict[str, None] = {}
    placed: set[int] = set()
    for g, group in enumerate(proposed):
        members = []
        for pid in group:
            if pid not in index:
                unknown.setdefault(pid, None)
            elif index[pid] in placed:
                twice.setdefault(pid, None)
            else:
                placed.add(index[pid])
                members.append(index[pid])
        if members:
            state.groups.append(members)
            state.origin.append(g)
    numbers = [g + 1 for g in state.origin if g is not None]  # as the proposal numbers them
    proposed_in = {p: state.origin[s] for s, members in enumerate(state.groups) for p in members}
    ids = problem.ids
    report = RepairReport(
        proposed_groups=len(proposed),
        unknown_ids=list(unknown),
        duplicates=list(twice),
        missing_placed=[ids[i] for i in range(plan.n) if i not in placed],
        size_fixes=_size_problems(state, numbers),
        role_fixes=[
            f"group {numbers[s]} {broken}"
            for s, members in enumerate(state.groups)
            if (broken := state.roles.problem(members))
        ],
        rule_fixes=rule_problems(problem, [[ids[p] for p in members] for members in state.groups]),
        moved=[],
        kept_share=0.0,
    )
    _join_units(state)
    _part_never_pairs(state)
    _fix_count(state)
    _trim(state)
    # everyone in no group and not waiting (must-pair partners nobody proposed joined already)
    seated = {p for g in state.live() for p in state.groups[g]}
    seated.update(p for unit in state.waiting for p in unit)
    state.waiting += _units_of(state, [i for i in range(plan.n) if i not in seated])
    _place_waiting(state)
    _fill_short(state)
    slots = state.live()
    groups = [[ids[p] for p in sorted(state.groups[s])] for s in slots]
    origin = [state.origin[s] for s in slots]
    if state.waiting or not validate(problem, groups).ok:
        groups, origin = _exact_fallback(problem, plan, state, groups, origin)
        report.exact_fallback = True
    final = {pid: origin[g] for g, group in enumerate(groups) for pid in group}
    moved = [ids[p] for p, g in sorted(proposed_in.items()) if final[ids[p]] != g]
    report.moved = moved
    report.kept_share = (len(proposed_in) - len(moved)) / plan.n if plan.n else 1.0
    return Repaired(groups=groups, origin=origin, report=report)


def _size_problems(state: _State, numbers: list[int]) -> list[str]:
    shape = state.shape
    found = [
        f"group {numbers[s]} had {len(members)} people; the rules ask for {shape.sizes()}"
        for s, members in enumerate(state.groups)
        if not shape.lo <= len(members) <= shape.hi
    ]
    count = len(state.groups)
    if not shape.fewest <= count <= shape.most:
        found.append(f"{count} groups were proposed; the rules ask for {shape.counts()}")
    return found


def _units_of(state: _State, people: list[int]) -> list[list[int]]:
    seen: dict[int, list[int]] = {}
    for p in people:
        seen.setdefault(int(state.plan.unit_of[p]), []).append(p)
    return list(seen.values())


def _join_units(state: _State) -> None:
    """Must-pair partners into the group holding most of them (the partners nobody proposed
    go there too: they count as missing, placed)."""
    slot = {p: s for s, members in enumerate(state.groups) for p in members}
    for unit in state.plan.units:
        people = [int(p) for p in unit]
        where = [slot[p] for p in people if p in slot]
        if len(people) < 2 or not where:
            continue
        target = max(sorted(set(where)), key=where.count)
        for p in people:
            if slot.get(p) != target:
                if p in slot:
                    state.groups[slot[p]].remove(p)
                state.groups[target].append(p)
                slot[p] = target


def _part_never_pairs(state: _State) -> None:
    for g in range(len(state.groups)):
        members = state.groups[g]
        for p in list(members):
            if p in state.groups[g] and state.never.get(p, set()) & set(state.groups[g]):
                # the later-named of the two leaves (p is the earlier: its partner is later)
                partner = max(state.never[p] & set(state.groups[g]), key=state.groups[g].index)
                unit = state.unit(partner)
                state.take(unit, g)
                state.waiting.append(unit)


def _fix_count(state: _State) -> None:
    live = state.live()
    extra = len(live) - state.shape.most
    if extra > 0:
        order = sorted(
            live,
            key=lambda g: (state.roles.problem(state.groups[g]) is None, len(state.groups[g]), g),
        )
        for g in order[:extra]:
            state.waiting += state.units_in(g)
            state.groups[g] = []
            state.dissolved.add(g)
    for _ in range(state.shape.fewest - len(live)):
        state.groups.append([])
        state.origin.append(None)


def _trim(state: _State) -> None:
    for g in state.live():
        while len(state.groups[g]) > state.shape.hi or state.roles.excess(state.groups[g]):
            members = state.groups[g]
            units = state.units_in(g)
            if state.roles.excess(members):
                # the mentors beyond one, or mentees beyond the capacity, may leave
                c = state.roles.counts(members)
                role = "mentor" if c["mentor"] > 1 else "mentee"
                units = [u for u in units if any(state.roles.role[p] == role for p in u)] or units
            else:  # prefer units whose leaving keeps the group's roles
                keeping = [
                    u
                    for u in units
                    if not state.roles.lacks([p for p in members if p not in u])
                    or state.roles.lacks(members)
                ]
                units = keeping or units
            worst = min(units, key=lambda u: (state.fit(u, members), -members.index(u[0])))
            state.take(worst, g)
            state.waiting.append(worst)


def _place_waiting(state: _State) -> None:
    waiting, state.waiting = sorted(state.waiting, key=len, reverse=True), []
    for unit in waiting:
        target = _best_group(state, unit, state.shape.fill_to)
        if target is None:
            target = _best_group(state, unit, state.shape.hi)
        if target is None and len(state.live()) < state.shape.most:
            state.groups.append([])
            state.origin.append(None)
            target = len(state.groups) - 1
        if target is None:
            state.waiting.append(unit)
        else:
            state.groups[target].extend(unit)


def _best_group(state: _State, unit: list[int], room: int) -> int | None:
    best, best_key = None, None
    for g in state.live():
        members = state.groups[g]
        if len(members) + len(unit) > room or state.clash(unit, members):
            continue
        if not state.roles.can_join(unit, members):
            continue
        needed = len(members) < state.shape.lo or state.roles.provides(
            unit, state.roles.lacks(members)
        )
        key = (needed, state.fit(unit, members + unit), -g)
        if best_key is None or key > best_key:
            best, best_key = g, key
    return best


def _fill_short(state: _State) -> None:
    """Groups too small or lacking a role take a unit another group can spare."""
    for _ in range(4 * state.plan.n):
        short = [g for g in state.live() if state.short(g)]
        if not short:
            return
        g = short[0]
        members = state.groups[g]
        lacking = state.roles.lacks(members)
        best, best_key = None, None
        for d in state.live():
            if d == g:
                continue
            for unit in state.units_in(d):
                rest = [p for p in state.groups[d] if p not in unit]
                if len(rest) < state.shape.lo or state.roles.problem(rest) is not None:
                    continue
                if lacking and not state.roles.provides(unit, lacking):
                    continue
                if len(members) + len(unit) > state.shape.hi or state.clash(unit, members):
                    continue
                if not state.roles.can_join(unit, members):
                    continue
                key = state.fit(unit, members + unit) - state.fit(unit, state.groups[d])
                if best_key is None or key > best_key:
                    best, best_key = (d, unit), key
        if best is None:
            return  # stuck: the exact fallback takes over
        d, unit = best
        state.take(unit, d)
        members.extend(unit)


def _exact_fallback(
    problem: Problem,
    plan: Plan,
    state: _State,
    groups: list[list[str]],
    origin: list[int | None],
) -> tuple[list[list[str]], list[int | None]]:
    """A valid grouping from the exact model, hinted with the greedy one; each of its groups
    continues the greedy group it shares most people with."""
    broken = validate(problem, groups).violations
    reason = broken[0] if broken else "people were left without a group"
    if too_large(plan):
        raise NoSolutionFound(f"the proposal could not be repaired ({reason})")
    load_cp_sat()
    index = {pid: i for i, pid in enumerate(problem.ids)}
    group_of = np.full(plan.n, -1, dtype=np.int64)
    for g, group in enumerate(groups):
        group_of[[index[p] for p in group]] = g
    hint = group_of[[int(u[0]) for u in plan.units]]
    limit = problem.settings.time_limit_s or EXACT_FALLBACK_S
    found = exact_grouping(problem, plan, limit, hint)
    if found is None:
        raise NoSolutionFound(f"the proposal could not be repaired in time ({reason})")
    new: list[list[str]] = [[] for _ in range(found.n_groups)]
    for u, members in enumerate(plan.units):
        new[int(found.group_of_unit[u])].extend(plan.ids[int(p)] for p in members)
    new = [sorted(g, key=index.__getitem__) for g in new if g]
    before = [set(group) for group in groups]
    taken: set[int] = set()
    labels: list[int | None] = []
    for group in new:
        shared = {g: len(before[g].intersection(group)) for g in range(len(groups))}
        free = [g for g in range(len(groups)) if g not in taken and shared[g] > 0]
        if free:
            g = max(free, key=lambda g: (shared[g], -g))
            taken.add(g)
            labels.append(origin[g])
        else:
            labels.append(None)
    return new, labels
