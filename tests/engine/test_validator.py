"""The standalone validator flags every kind of violation it is handed."""

from __future__ import annotations

from typing import Any

import pytest

from peerpear.engine import Problem, validate


def make(n: int, roles: list[str] | None = None, **settings: Any) -> Problem:
    people: list[dict[str, Any]] = [
        {"id": f"p{i}", "answers": {}, "attributes": {"club": "chess" if i < 2 else "go"}}
        for i in range(n)
    ]
    for person, role in zip(people, roles or [], strict=False):
        person["role"] = role
    return Problem.model_validate({"questions": [], "participants": people, "settings": settings})


def test_a_valid_grouping_passes() -> None:
    result = validate(make(5), [["p0", "p1"], ["p2", "p3", "p4"]])
    assert result.ok and result.violations == []


@pytest.mark.parametrize(
    ("problem", "groups", "fragment"),
    [
        (make(4), [["p0", "p1"], ["p2"]], "p3 is in no group"),
        (make(4), [["p0", "p1"], ["p2", "p3", "p1"]], "p1 appears 2 times"),
        (make(4), [["p0", "p1"], ["p2", "p3", "zz"]], "unknown participant zz"),
        (make(4), [["p0", "p1", "p2", "p3"]], "pairs mode needs pairs"),
        (make(5), [["p0", "p1"], ["p2", "p3"], ["p4"]], "has 1 member"),
        (make(6, mode="groups", group_size=2), [["p0", "p1", "p2", "p3"], ["p4", "p5"]],
         "differ by more than one"),
        (make(6, mode="groups", min_size=3, max_size=3), [["p0", "p1", "p2", "p3"], ["p4", "p5"]],
         "outside 3..3"),
        (make(4, ["big", "big", "little", "little"], mode="big_little"),
         [["p0", "p1"], ["p2", "p3"]], "lacks a big or a little"),
        (make(4, ["mentor", "mentor", "mentee", "mentee"], mode="mentor"),
         [["p0", "p1"], ["p2", "p3"]], "mentors (needs exactly one)"),
        (make(5, ["mentor", "mentee", "mentee", "mentee", "mentor"], mode="mentor", capacity=2),
         [["p0", "p1", "p2", "p3"], ["p4"]], "mentees (needs 1..2)"),
        (make(4, must_pair=[["p0", "p2"]]), [["p0", "p1"], ["p2", "p3"]], "must-pair p0, p2"),
        (make(4, never_pair=[["p0", "p1"]]), [["p0", "p1"], ["p2", "p3"]], "never-pair p0 and p1"),
        (make(4, no_isolation=[{"attribute": "club", "value": "chess"}]),
         [["p0", "p2"], ["p1", "p3"]], "only club = chess"),
        # A target size fixes the number of groups: 6 people of about 3 are two trios, not
        # three pairs (sizes alike, but not the groups asked for).
        (make(6, mode="groups", group_size=3), [["p0", "p1"], ["p2", "p3"], ["p4", "p5"]],
         "make 2 group(s); got 3"),
        # big_little at size 2: one group per member of the smaller side (2 littles: 2 groups).
        (make(6, ["big", "big", "big", "big", "little", "little"], mode="big_little"),
         [["p0", "p4"], ["p1", "p5"], ["p2", "p3"]], "makes 2 group(s); got 3"),
    ],
)  # fmt: skip
def test_each_violation_is_reported(
    problem: Problem, groups: list[list[str]], fragment: str
) -> None:
    result = validate(problem, groups)
    assert not result.ok
    assert any(fragment in v for v in result.violations), result.violations


def test_either_fills_a_missing_side() -> None:
    problem = make(4, ["big", "either", "either", "little"], mode="big_little")
    assert validate(problem, [["p0", "p1"], ["p2", "p3"]]).ok
    assert not validate(make(4, ["big", "big", "either", "little"], mode="big_little"),
                        [["p0", "p1"], ["p2", "p3"]]).ok  # fmt: skip


def test_target_counts_that_match_pass() -> None:
    assert validate(
        make(7, mode="groups", group_size=3), [["p0", "p1", "p2"], ["p3", "p4", "p5", "p6"]]
    ).ok
    bigs_littles = make(6, ["big", "big", "big", "big", "little", "little"], mode="big_little")
    assert validate(bigs_littles, [["p0", "p1", "p4"], ["p2", "p3", "p5"]]).ok
