"""evaluate(): a grouping from outside measured as solve measures its own."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from peerpear.engine import EngineError, Problem, compute_affinity, evaluate, solve
from tests.engine.conftest import random_problem
from tests.engine.helpers import index_groups, satisfactions


@pytest.mark.parametrize(
    ("n", "settings"),
    [(10, {"mode": "pairs"}), (13, {"mode": "groups", "group_size": 3})],
)
def test_a_solved_grouping_measures_as_solve_reported_it(n: int, settings: dict[str, Any]) -> None:
    problem = random_problem(n, 7, **settings)
    solved = solve(problem)
    again = evaluate(problem, [g.members for g in solved.groups])
    assert again.groups == solved.groups
    assert again.participants == solved.participants
    assert again.validation == solved.validation
    for key in ("mean_satisfaction", "min_satisfaction", "p10_satisfaction", "upper_bound", "gap"):
        assert getattr(again.metrics, key) == pytest.approx(getattr(solved.metrics, key))
    assert again.metrics.objective == pytest.approx(solved.metrics.objective)
    assert again.metrics.solver == "given" and not again.metrics.proven_optimal


def test_an_edit_that_hurts_the_worst_off_shows_in_the_metrics() -> None:
    problem = random_problem(12, 3, mode="pairs")
    solved = solve(problem)
    groups = [list(g.members) for g in solved.groups]
    # Every swap of two people between two pairs, measured independently: the worst one.
    affinity = compute_affinity(problem)
    worst: tuple[float, list[list[str]]] | None = None
    for a in range(len(groups)):
        for b in range(a + 1, len(groups)):
            swapped = [list(g) for g in groups]
            swapped[a][0], swapped[b][0] = swapped[b][0], swapped[a][0]
            low = float(satisfactions(affinity, index_groups(problem, swapped)).min())
            if worst is None or low < worst[0]:
                worst = (low, swapped)
    assert worst is not None and worst[0] < solved.metrics.min_satisfaction
    edited = evaluate(problem, worst[1])
    assert edited.metrics.min_satisfaction == pytest.approx(worst[0])
    assert edited.metrics.min_satisfaction < solved.metrics.min_satisfaction
    assert edited.validation.ok  # still pairs: worse, not wrong


def test_groups_keep_their_order_and_violations_are_reported() -> None:
    people = [{"id": f"p{i}", "answers": {"tea": "Tea" if i < 2 else "Coffee"}} for i in range(5)]
    problem = Problem.model_validate(
        {
            "questions": [{"id": "tea", "type": "single_choice"}],
            "participants": people,
            "settings": {
                "mode": "pairs",
                "never_pair": [["p0", "p1"]],
                "must_pair": [["p0", "p1"]],
            },
        }
    )
    # p4 is left out; p0 and p1 share a group although they are a never-pair.
    result = evaluate(problem, [["p2", "p3"], ["p1", "p0"]])
    assert [g.members for g in result.groups] == [["p2", "p3"], ["p1", "p0"]]
    assert not result.validation.ok
    text = "\n".join(result.validation.violations)
    assert "p4 is in no group" in text and "never-pair p0 and p1 share group 1" in text
    assert {p.id for p in result.participants} == {"p0", "p1", "p2", "p3"}
    assert {p.id: p.group for p in result.participants}["p0"] == 1
    # the left-out person counts in no metric: everyone placed has a perfect match
    assert result.metrics.min_satisfaction == pytest.approx(1.0)
    assert result.groups[1].score == pytest.approx(1.0)
    assert all(p.explanation for p in result.participants)


def test_a_group_of_one_is_reported_not_refused() -> None:
    problem = random_problem(5, 1, mode="pairs")
    result = evaluate(problem, [["p0", "p1"], ["p2", "p3"], ["p4"]])
    assert any("group 2 has 1 member" in v for v in result.validation.violations)
    assert {p.id: p.satisfaction for p in result.participants}["p4"] == 0.0
    assert result.metrics.min_satisfaction == 0.0


def test_satisfaction_is_recomputable() -> None:
    problem = random_problem(9, 4, mode="groups", group_size=3)
    groups = [["p0", "p4", "p8"], ["p1", "p2", "p3"], ["p5", "p6", "p7"]]
    result = evaluate(problem, groups)
    sat = satisfactions(compute_affinity(problem), index_groups(problem, groups))
    got = {p.id: p.satisfaction for p in result.participants}
    np.testing.assert_allclose([got[f"p{i}"] for i in range(9)], sat, atol=1e-6)
    assert result.metrics.mean_satisfaction == pytest.approx(sat.mean())
    assert result.metrics.gap == pytest.approx(
        result.metrics.upper_bound - result.metrics.mean_satisfaction
    )


@pytest.mark.parametrize(
    ("groups", "fragment"),
    [([["p0", "zz"], ["p1", "p2"]], "unknown participant(s): zz"),
     ([["p0", "p1"], ["p1", "p2"]], "more than one group: p1")],
)  # fmt: skip
def test_groups_that_cannot_be_measured(groups: list[list[str]], fragment: str) -> None:
    with pytest.raises(EngineError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        evaluate(random_problem(4, 0), groups)
