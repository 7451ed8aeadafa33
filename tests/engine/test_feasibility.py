"""Rules that cannot all hold fail early with an EngineError naming the conflict."""

from __future__ import annotations

import re
from typing import Any

import pytest

from peerpear.engine import EngineError, Problem, solve
from tests.engine.conftest import random_problem


def people(roles: list[str], **settings: Any) -> Problem:
    participants = [{"id": f"p{i}", "role": r, "answers": {}} for i, r in enumerate(roles)]
    return Problem.model_validate(
        {"questions": [], "participants": participants, "settings": settings}
    )


@pytest.mark.parametrize(
    ("problem", "fragment"),
    [
        (random_problem(12, mode="groups", group_size=5, max_size=5,
                        must_pair=[["p0", "p1", "p2"], ["p2", "p3", "p4", "p5"]]),
         "must-pair chain of 6 people (p0, p1, p2, p3, p4, p5) exceeds the maximum group size 5"),
        (random_problem(6, must_pair=[["p0", "p1"]], never_pair=[["p1", "p0"]]),
         "p0 and p1 are linked by must-pair but are also a never-pair"),
        (random_problem(6, must_pair=[["p0", "p1"], ["p1", "p2"]], never_pair=[["p0", "p2"]]),
         "p0 and p2 are linked by must-pair"),
        (people(["big", "big", "little", "little"], mode="big_little", must_pair=[["p0", "p1"]]),
         "puts 2 bigs together, but a group holds at most 1"),
        (people(["big", "big", "big"], mode="big_little"), "at least one big and one little"),
        (people(["mentor", "mentee", "mentee", "mentee"], mode="mentor", capacity=2),
         "3 mentees exceed 1 mentors x capacity 2"),
        (people(["mentor", "mentor", "mentee"], mode="mentor"), "2 mentors but only 1 mentees"),
        (random_problem(3, mode="groups", group_size=4, min_size=4), "too few participants"),
        (random_problem(7, mode="groups", min_size=3, max_size=3), "cannot form groups of 3..3"),
        (random_problem(7, must_pair=[["p0", "p1", "p2"], ["p3", "p4", "p5"]]),
         "pairs allow one trio"),
    ],
)  # fmt: skip
def test_conflicts_are_named(problem: Problem, fragment: str) -> None:
    with pytest.raises(EngineError, match=re.escape(fragment)) as err:
        solve(problem)
    assert "\n" not in str(err.value)


def test_isolation_of_a_value_nobody_has_is_no_conflict() -> None:
    problem = random_problem(
        6, attributes=True, no_isolation=[{"attribute": "gender", "value": "q"}]
    )
    assert solve(problem).validation.ok


def test_a_lone_attribute_holder_cannot_be_unisolated() -> None:
    data = random_problem(6, attributes=True).model_dump()
    data["participants"][0]["attributes"]["gender"] = "unique"
    data["settings"]["no_isolation"] = [{"attribute": "gender", "value": "unique"}]
    with pytest.raises(EngineError, match="only one participant has gender = unique"):
        solve(Problem.model_validate(data))


def test_never_pairs_that_leave_no_valid_pairing_fail() -> None:
    # p0 can be paired with nobody: every pair with p0 is forbidden
    problem = random_problem(4, never_pair=[["p0", "p1", "p2", "p3"]])
    with pytest.raises(EngineError, match="never-pair"):
        solve(problem)
