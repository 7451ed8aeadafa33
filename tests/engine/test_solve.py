"""solve(): metrics, explanations, progress, cancellation, history and the result JSON."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from peerpear.engine import (
    ENGINE_VERSION,
    Cancelled,
    Problem,
    Result,
    compute_affinity,
    solve,
)
from tests.engine.conftest import random_problem
from tests.engine.helpers import result_groups, satisfactions


def test_metrics_are_recomputable_from_the_groups() -> None:
    problem = random_problem(40, 3, mode="groups", group_size=4)
    result = solve(problem)
    a = compute_affinity(problem)
    sat = satisfactions(a, result_groups(problem, result))
    got = np.array([p.satisfaction for p in result.participants])
    np.testing.assert_allclose(got, sat, atol=1e-6)
    m = result.metrics
    assert m.mean_satisfaction == pytest.approx(sat.mean())
    assert m.min_satisfaction == pytest.approx(sat.min())
    assert m.p10_satisfaction == pytest.approx(np.percentile(sat, 10))
    # the bound: each person's best 3 affinities, ignoring everyone else
    off = a.astype(np.float64) + np.diag(np.full(40, -np.inf))
    best = np.sort(off, axis=1)[:, ::-1][:, :3].mean(axis=1)
    assert m.upper_bound == pytest.approx(best.mean(), rel=1e-6)
    assert m.gap == pytest.approx(m.upper_bound - m.mean_satisfaction)
    assert m.upper_bound >= m.mean_satisfaction and m.runtime_s > 0
    for g in result.groups:
        members = [p.satisfaction for p in result.participants if p.id in g.members]
        assert g.score == pytest.approx(np.mean(members))


def test_result_json_has_the_documented_shape() -> None:
    data = solve(random_problem(9, 1)).model_dump(mode="json")
    assert {"groups", "participants", "metrics", "validation"} <= set(data)
    assert set(data["groups"][0]) == {"members", "score"}
    assert set(data["participants"][0]) == {"id", "group", "satisfaction", "explanation"}
    for key in ("mean_satisfaction", "min_satisfaction", "p10_satisfaction", "upper_bound",
                "gap", "runtime_s"):  # fmt: skip
        assert isinstance(data["metrics"][key], float)
    assert data["validation"] == {"ok": True, "violations": []}
    assert data["engine_version"] == ENGINE_VERSION
    assert Result.model_validate(data).groups[0].members == data["groups"][0]["members"]


def explained(settings: dict[str, Any], people: list[dict[str, Any]]) -> Result:
    questions = [
        {"id": "hobbies", "type": "multi_choice", "options": ["Hiking", "Gaming", "Cooking"]},
        {"id": "year", "type": "single_choice", "mode": "different"},
        {"id": "social", "type": "scale", "prompt": "How social are you?"},
    ]
    return solve(
        Problem.model_validate(
            {"questions": questions, "participants": people, "settings": settings}
        )
    )


def test_explanations_name_shared_and_complementary_answers() -> None:
    outdoors = {"hobbies": ["Hiking", "Cooking"], "social": 5}
    indoors = {"hobbies": ["Gaming"], "social": 1}
    people = [
        {"id": "a", "name": "Ana", "answers": {**outdoors, "year": "2027"}},
        {"id": "b", "name": "Sam", "answers": {**outdoors, "year": "2028"}},
        {"id": "c", "answers": {**indoors, "year": "2027"}},
        {"id": "d", "answers": {**indoors, "year": "2028"}},
    ]
    result = explained({"mode": "pairs"}, people)
    text = {p.id: p.explanation for p in result.participants}
    assert text["a"].startswith("You and Sam:")
    assert "you both picked Cooking and Hiking" in text["a"]
    assert "you both rated 'How social are you?' 5/5" in text["a"]
    assert "complement each other on 'year' (2027 and 2028)" in text["b"]
    assert "Ana" in text["b"]


def test_progress_is_reported_and_a_stop_request_cancels() -> None:
    seen: list[float] = []
    solve(random_problem(30, 1, mode="groups"), progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(Cancelled):
        solve(random_problem(30, 1, mode="groups"), should_stop=lambda: True)
    calls = iter(range(10_000))
    with pytest.raises(Cancelled):  # a stop request in the middle of the run
        solve(random_problem(30, 1, mode="groups"), should_stop=lambda: next(calls) >= 2)


def test_history_penalty_steers_away_from_repeats() -> None:
    base = random_problem(12, 4)
    first = [g.members for g in solve(base).groups]
    again = Problem.model_validate(
        {**base.model_dump(), "settings": {"history": first, "history_penalty": 5.0}}
    )
    second = [g.members for g in solve(again).groups]
    repeated = {tuple(g) for g in first} & {tuple(g) for g in second}
    assert not repeated
    # satisfaction never includes the penalty: it is the plain mean affinity
    a = compute_affinity(again)
    result = solve(again)
    sat = satisfactions(a, result_groups(again, result))
    assert result.metrics.mean_satisfaction == pytest.approx(sat.mean())


def test_must_and_never_pair_are_respected_in_groups() -> None:
    problem = random_problem(
        20, 2, mode="groups", group_size=4, must_pair=[["p0", "p1", "p2"]],
        never_pair=[["p3", "p4"], ["p0", "p5"]],
    )  # fmt: skip
    groups = [g.members for g in solve(problem).groups]
    where = {pid: k for k, g in enumerate(groups) for pid in g}
    assert where["p0"] == where["p1"] == where["p2"]
    assert where["p3"] != where["p4"] and where["p0"] != where["p5"]


def test_a_fair_run_protects_the_worst_off() -> None:
    problem = random_problem(60, 9, mode="groups", group_size=3)
    fair = solve(problem).metrics
    total = solve(
        Problem.model_validate(
            {
                **problem.model_dump(),
                "settings": {"mode": "groups", "group_size": 3, "objective": "total"},
            }
        )
    ).metrics
    assert fair.min_satisfaction >= total.min_satisfaction - 1e-9
    assert total.mean_satisfaction >= fair.mean_satisfaction - 0.02


def test_two_sided_modes_use_the_exact_solver() -> None:
    r = solve(random_problem(20, 1, roles=["big", "little"], mode="big_little"))
    assert r.metrics.solver == "assignment" and r.metrics.proven_optimal
    r = solve(random_problem(30, 1, roles=["big", "little", "little"], mode="big_little"))
    assert r.metrics.solver == "local_search"
    assert sorted(len(g.members) for g in r.groups) == [3] * 10


@pytest.mark.parametrize("mode", ["groups", "big_little"])
def test_many_groups_search_only_neighbour_groups_and_stay_valid(mode: str) -> None:
    # more groups than CANDIDATE_GROUPS + 1: the search looks at the groups of best matches
    roles = ["big", "little", "little"] if mode == "big_little" else None
    problem = random_problem(
        90, 12, roles=roles, attributes=True, mode=mode, group_size=3,
        must_pair=[["p3", "p4"]], never_pair=[["p0", "p1"]], history=[["p5", "p6", "p7"]],
        no_isolation=[{"attribute": "gender", "value": "x"}],
    )  # fmt: skip
    result = solve(problem)
    assert len(result.groups) == 30 and result.validation.ok
    a = compute_affinity(problem)
    start = satisfactions(a, [[3 * k, 3 * k + 1, 3 * k + 2] for k in range(30)])
    assert result.metrics.mean_satisfaction > start.mean()  # better than an arbitrary split


def test_the_odd_one_out_may_join_a_must_pair_pair() -> None:
    # everyone but p4 is in a must-pair pair: p4 joins one of them (this once crashed)
    problem = random_problem(5, 0, must_pair=[["p0", "p1"], ["p2", "p3"]])
    groups = sorted(sorted(g.members) for g in solve(problem).groups)
    assert groups in ([["p0", "p1"], ["p2", "p3", "p4"]], [["p0", "p1", "p4"], ["p2", "p3"]])
