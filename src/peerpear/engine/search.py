"""The search driver for groups: a start grouping, then the local search (and, in role modes,
the exact re-assignment steps) until a local optimum or the deadline.

``improve`` decides what runs when; ``local_search.GroupSearch`` does the moves and swaps,
``reassign.exact_step`` one exact re-assignment of a role's members.

``EARLY_STEPS`` exact steps run straight on the construction: cheap, they fix much of what the
first passes of the local search would (which matters when the budget is short). Then the local
search, and steps each followed by the local search until ``IDLE_PASSES`` passes in a row change
nothing (at most ``MAX_PASSES`` per side). Subsets come from a fixed seed: the same input gives
the same result.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.anchored import anchor_side, construct_anchored
from peerpear.engine.construct import construct
from peerpear.engine.local_search import GroupSearch
from peerpear.engine.plan import Plan
from peerpear.engine.problem import Objective
from peerpear.engine.reassign import applies, exact_step, spare

I64 = NDArray[np.int64]
MAX_PASSES = 150
IDLE_PASSES = 20
EARLY_STEPS = 30


def initial_grouping(plan: Plan, affinity: NDArray[np.float32], rng: np.random.Generator) -> I64:
    """Group per unit for the search to start from: one anchor per group, or greedy growth.

    Raises ``NoSolutionFound`` when greedy growth gets stuck (see ``construct.py``).
    """
    anchor = anchor_side(plan)
    if anchor is None:
        return construct(plan, affinity, rng)
    return construct_anchored(plan, affinity, anchor)


def search_groups(
    plan: Plan,
    affinity: NDArray[np.float32],
    start: I64,
    objective: Objective,
    neighbours: I64,
    deadline: float,
    on_round: Callable[[int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[list[int]]:
    """The groups (person indices) the search reaches from ``start`` (a group per unit)."""
    search = GroupSearch(plan, affinity, start, objective, neighbours)
    improve(search, deadline, on_round, stop)
    return search.groups()


def _designate(
    search: GroupSearch, side: int, rotation: int, rng: np.random.Generator
) -> NDArray[np.bool_] | None:
    """Which groups give a member of ``side`` in pass ``rotation``; None to skip the pass.

    Every group for each rotation of who gives, then random halves that let a member leave one
    group and another join a third (chains that change group sizes); groups that can spare one
    always give in those, since only they start a chain. With a fixed count per group a random
    half adds nothing to "every group".
    """
    plan = search.plan
    if rotation < int(plan.side_hi[side]):
        return np.ones(plan.n_groups, dtype=bool)
    if plan.side_lo[side] == plan.side_hi[side]:
        return None
    designated: NDArray[np.bool_] = (rng.random(plan.n_groups) < 0.5) | spare(search, side)
    return designated


def improve(
    search: GroupSearch,
    deadline: float,
    on_round: Callable[[int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> None:
    """Local search to a local optimum; in role modes, exact steps first and in between."""
    done = 0

    def rounds(count: int) -> None:
        if on_round is not None:
            on_round(done + count)

    if not applies(search):
        search.run(deadline, rounds, stop)
        return
    sides = len(search.plan.sides)
    rng = np.random.default_rng(len(search.plan.units))
    for step in range(EARLY_STEPS):
        designated = _designate(search, step % sides, step // sides, rng)
        if time.monotonic() > deadline:
            break
        if designated is not None:
            exact_step(search, step % sides, designated, step // sides)
    done += search.run(deadline, rounds, stop)
    idle, step = 0, 0
    patience = sides * (int(search.plan.side_hi.max()) + IDLE_PASSES)
    while idle < patience and step < MAX_PASSES * sides and time.monotonic() <= deadline:
        side, rotation = step % sides, step // sides
        designated = _designate(search, side, rotation, rng)
        step += 1
        changed = None if designated is None else exact_step(search, side, designated, rotation)
        if changed is None or not changed.any():
            idle += 1
            continue
        idle = 0
        done += search.run(deadline, rounds, stop)  # from the changed groups to a local optimum
