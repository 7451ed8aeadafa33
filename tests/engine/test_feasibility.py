"""Rules that cannot all hold fail with ``Infeasible`` naming the conflict: early, from the plan's
checks, or proven by the exact model where those checks cannot tell."""

from __future__ import annotations

import re
from typing import Any

import pytest

from peerpear.engine import Infeasible, Problem, solve
from peerpear.engine.plan import build_plan
from tests.engine.conftest import random_problem


def people(roles: list[str], **settings: Any) -> Problem:
    participants = [{"id": f"p{i}", "role": r, "answers": {}} for i, r in enumerate(roles)]
    return Problem.model_validate(
        {"questions": [], "participants": participants, "settings": settings}
    )


FEMALE_AND_MALE = [{"attribute": "g", "value": "f"}, {"attribute": "g", "value": "m"}]


def gendered(values: list[str], **settings: Any) -> Problem:
    participants = [{"id": f"p{i}", "attributes": {"g": v}} for i, v in enumerate(values)]
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
        (random_problem(7, max_size=2), "7 people need one trio, above the maximum size 2"),
        (people(["mentor", "mentee", "mentee", "mentee"], mode="mentor", capacity=3, max_size=3),
         "3 mentees exceed 1 mentors x 2: the maximum size 3 allows 2 mentees per mentor"),
        (gendered(["f", "f", "f", "m", "m", "x"], no_isolation=[{"attribute": "g", "value": "f"}]),
         "3 participants have g = f: pairs of 6 people can hold only an even number"),
        (gendered(["f", "f", "f", "m", "m", "m", "x"], no_isolation=FEMALE_AND_MALE),
         "odd numbers of participants have g = f and g = m: in pairs only the one trio"),
    ],
)  # fmt: skip
def test_conflicts_are_named(problem: Problem, fragment: str) -> None:
    with pytest.raises(Infeasible, match=re.escape(fragment)) as err:
        build_plan(problem)  # seen before solving
    assert "\n" not in str(err.value)
    with pytest.raises(Infeasible, match=re.escape(fragment)):
        solve(problem)


def test_isolation_of_a_value_nobody_has_is_no_conflict() -> None:
    problem = random_problem(
        6, attributes=True, no_isolation=[{"attribute": "gender", "value": "q"}]
    )
    assert solve(problem).validation.ok


def test_a_lone_attribute_holder_cannot_be_unisolated() -> None:
    data = random_problem(6, attributes=True).model_dump()
    data["participants"][0]["attributes"]["gender"] = "unique"
    data["settings"]["no_isolation"] = [{"attribute": "gender", "value": "unique"}]
    with pytest.raises(Infeasible, match="only one participant has gender = unique"):
        solve(Problem.model_validate(data))


PROVEN = "no grouping satisfies every rule (proven by an exact search): "


@pytest.mark.parametrize(
    ("problem", "shape", "rules"),
    [
        # p0 can be paired with nobody: every pair with p0 is forbidden
        (random_problem(4, never_pair=[["p0", "p1", "p2", "p3"]]),
         "2 groups of 2 people", ["never-pair p0, p1, p2, p3"]),
        # the mentee p2 may join neither mentor
        (people(["mentor", "mentor", "mentee", "mentee", "mentee"], mode="mentor", capacity=2,
                never_pair=[["p0", "p2"], ["p1", "p2"], ["p3", "p4"]]),
         "2 groups of 2-3 people (each with one mentor and 1-2 mentees)",
         ["never-pair p0, p2", "never-pair p1, p2"]),
        # units of 3, 3 and 2 do not pack into two groups of exactly 4
        (random_problem(8, mode="groups", min_size=4, max_size=4,
                        must_pair=[["p0", "p1", "p2"], ["p3", "p4", "p5"], ["p6", "p7"]]),
         "2 groups of 4 people", ["the must-pair rules"]),
        # the fs fill a group of their own (else one is alone), so the two ms share the other
        (gendered(["f", "f", "f", "m", "m", "x"], mode="groups", group_size=3,
                  never_pair=[["p3", "p4"]], no_isolation=[{"attribute": "g", "value": "f"}]),
         "2 groups of 3 people", ["never-pair p3, p4", "no_isolation g = f"]),
    ],
)  # fmt: skip
def test_the_exact_model_proves_what_the_plan_cannot_see(
    problem: Problem, shape: str, rules: list[str]
) -> None:
    build_plan(problem)  # no conflict visible before solving
    with pytest.raises(Infeasible) as err:
        solve(problem)
    message = str(err.value)
    assert message.startswith(f"{PROVEN}{shape} cannot keep ")
    for rule in rules:  # the rules CP-SAT names suffice for the conflict; these must be among
        assert rule in message


def test_either_people_in_a_must_pair_are_no_conflict_of_their_own() -> None:
    # p6 is put with the bigs by the plan (balancing), but may be a little: p0, p1 and p6
    # together are fine; this was once refused as "puts 3 bigs together"
    roles = ["big", "big", "little", "little", "little", "little", "either", "either"]
    problem = people(roles, mode="big_little", group_size=4, must_pair=[["p0", "p1", "p6"]])
    result = solve(problem)
    assert result.validation.ok and result.metrics.solver == "exact+local_search"


def test_explicit_min_and_max_sizes_allow_every_number_of_groups_that_fits() -> None:
    # 7 people of 2..4: the target (4) suggests 2 groups (3 + 4), but p0, p1, p2 need three
    # (2 + 2 + 3), which the sizes allow just as well: valid, not "proven infeasible"
    problem = random_problem(7, 3, mode="groups", min_size=2, max_size=4,
                             never_pair=[["p0", "p1", "p2"]])  # fmt: skip
    result = solve(problem)
    assert result.validation.ok
    assert sorted(len(g.members) for g in result.groups) == [2, 2, 3]
    # and 4 people who must be apart do not fit 7 people in groups of at least 2
    apart = problem.model_copy(deep=True)
    apart.settings.never_pair = [["p0", "p1", "p2", "p3"]]
    with pytest.raises(Infeasible, match="2-3 groups of 2-4 people cannot keep never-pair"):
        solve(apart)
