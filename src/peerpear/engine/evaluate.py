"""Measuring a grouping made outside the engine (an organizer's edited pairing) as a run's own
result is measured: satisfactions, explanations, group scores, metrics and the validation.

Nothing is solved or repaired: the groups are reported in the order given, rule violations and
people left out are listed by the validator, and the metrics cover the people who are placed.
Ids the problem does not know, or a person in two groups, make the grouping meaningless to
measure and raise ``EngineError``.
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np

from peerpear.engine.affinity import compute_affinity
from peerpear.engine.embedding import Embedder
from peerpear.engine.errors import EngineError
from peerpear.engine.neighbours import top_neighbours
from peerpear.engine.plan_rules import pair_costs
from peerpear.engine.problem import Problem
from peerpear.engine.report import build_result
from peerpear.engine.result import Result
from peerpear.engine.solution import Solution
from peerpear.engine.validator import validate


def evaluate(
    problem: Problem, groups: list[list[str]], *, embedder: Embedder | None = None
) -> Result:
    """The result ``solve`` would report had it chosen ``groups`` (lists of participant ids)."""
    started = time.perf_counter()
    index = {pid: i for i, pid in enumerate(problem.ids)}
    unknown = sorted({pid for group in groups for pid in group} - set(index))
    if unknown:
        raise EngineError(f"the groups name unknown participant(s): {', '.join(unknown)}")
    twice = sorted(pid for pid, n in Counter(p for g in groups for p in g).items() if n > 1)
    if twice:
        raise EngineError(f"participant(s) in more than one group: {', '.join(twice)}")
    members = [[index[pid] for pid in group] for group in groups]
    affinity = compute_affinity(problem, embedder)
    largest = max((len(g) for g in members), default=2)
    _, top_values = top_neighbours(affinity, max(largest - 1, 1))
    # Every person is their own unit: a must-pair rule is a rule to check here, not a way to
    # build groups, so a conflict with a never-pair is a violation, never an error.
    own_units = np.arange(len(index), dtype=np.int64)
    cost, _ = pair_costs(problem, index, own_units)
    return build_result(
        problem,
        affinity,
        top_values,
        members,
        validate(problem, groups),
        cost=cost,
        solution=Solution(members, "given"),
        started=started,
    )
