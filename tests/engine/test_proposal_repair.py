"""The repair of a proposed grouping (strategy llm): every problem of the proposal counted
once, the groups valid by the standalone validator, and nobody moved who need not be."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from peerpear.engine.errors import EngineError
from peerpear.engine.precomputed import PrecomputedEmbedder, text_answers
from peerpear.engine.problem import Problem, parse_problem
from peerpear.engine.proposal_repair import repair_proposal
from peerpear.engine.validator import validate

TEXTS = ["hiking trails", "film photography", "board games"]


def problem(n: int, settings: dict[str, Any], roles: list[str] | None = None) -> Problem:
    people = []
    for i in range(1, n + 1):
        person: dict[str, Any] = {"id": str(i), "answers": {"t": TEXTS[i % 3]}}
        if roles:
            person["role"] = roles[i - 1]
        people.append(person)
    questions = [{"id": "t", "type": "text", "weight": 1}]
    return parse_problem({"questions": questions, "participants": people, "settings": settings})


def test_each_problem_is_counted_once_and_the_result_is_valid() -> None:
    p = problem(10, {"mode": "groups", "min_size": 2, "max_size": 4, "never_pair": [["4", "5"]]})
    proposed = [["1", "2", "3", "8", "6"], ["4", "5"], ["7", "x", "10", "7"]]
    repaired = repair_proposal(p, proposed)
    report = repaired.report
    assert report.unknown_ids == ["x"] and report.duplicates == ["7"]
    assert report.missing_placed == ["9"]
    assert report.size_fixes == ["group 1 had 5 people; the rules ask for 2..4"]
    assert report.rule_fixes == ["never-pair 4 and 5 were together in group 2"]
    assert report.role_fixes == [] and not report.exact_fallback
    assert validate(p, repaired.groups).ok
    # the later-named of the never-pair and one of the five leave; nobody else needs to
    assert "5" in report.moved and len(report.moved) == 2
    assert report.kept_share == pytest.approx(7 / 10)
    assert repaired.origin == [0, 1, 2]


def test_a_valid_proposal_is_kept_exactly() -> None:
    p = problem(8, {"mode": "pairs"})
    proposed = [["1", "2"], ["3", "4"], ["5", "6"], ["7", "8"]]
    repaired = repair_proposal(p, proposed)
    assert repaired.groups == proposed
    assert repaired.report.moved == [] and repaired.report.kept_share == 1.0


def test_mentor_groups_get_one_mentor_each() -> None:
    roles = ["mentor"] * 3 + ["mentee"] * 6
    p = problem(9, {"mode": "mentor", "capacity": 2}, roles)
    repaired = repair_proposal(p, [["1", "2", "4", "5"], ["6", "7", "8", "9"]])
    report = repaired.report
    assert report.role_fixes == [
        "group 1 has 2 mentors instead of one",
        "group 2 has 0 mentors instead of one",
    ]
    assert len(report.size_fixes) == 3  # two groups of 4, and 2 groups where 3 are needed
    assert report.missing_placed == ["3"]
    assert validate(p, repaired.groups).ok
    assert None in repaired.origin  # the third mentor's group is the engine's


def test_a_big_little_group_without_a_big_takes_one() -> None:
    roles = ["big"] * 3 + ["little"] * 9
    p = problem(12, {"mode": "big_little", "group_size": 4}, roles)
    proposed = [["4", "5", "6", "7"], ["1", "2", "8"], ["3", "9", "10", "11", "12"]]
    repaired = repair_proposal(p, proposed)
    assert repaired.report.role_fixes == ["group 1 has no big or no little"]
    assert repaired.report.moved == ["1"]  # the one big group 2 could spare
    assert validate(p, repaired.groups).ok


def test_must_pair_partners_are_joined() -> None:
    p = problem(6, {"mode": "pairs", "must_pair": [["1", "4"]]})
    repaired = repair_proposal(p, [["1", "2"], ["3", "4"], ["5", "6"]])
    assert ["1", "4"] in repaired.groups and validate(p, repaired.groups).ok
    assert repaired.report.rule_fixes == ["must-pair 1, 4 were split over 2 groups"]


def test_isolation_rules_fall_back_to_the_exact_model() -> None:
    people = [{"id": str(i), "attributes": {"c": "x" if i < 5 else "y"}} for i in range(1, 9)]
    rule = {"attribute": "c", "value": "x"}
    p = parse_problem(
        {"questions": [], "participants": people, "settings": {"no_isolation": [rule]}}
    )
    repaired = repair_proposal(p, [["1", "5"], ["2", "3"], ["4", "6"], ["7", "8"]])
    assert repaired.report.exact_fallback
    assert len(repaired.report.rule_fixes) == 2
    assert validate(p, repaired.groups).ok
    assert repaired.report.kept_share < 1


def test_precomputed_rows_are_looked_up_by_text() -> None:
    p = problem(3, {"mode": "groups", "group_size": 3})
    texts = text_answers(p.model_dump())
    assert sorted(texts) == sorted(TEXTS)
    rows = np.eye(3, dtype=np.float32)
    embedder = PrecomputedEmbedder(texts, rows)
    assert embedder.embed([texts[2], texts[0]]).tolist() == [[0, 0, 1], [1, 0, 0]]
    with pytest.raises(EngineError):
        embedder.embed(["something else"])
