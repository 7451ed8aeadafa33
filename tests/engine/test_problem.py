"""Problem validation: every kind of bad input is refused with a message naming it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from peerpear.engine import EngineError, Problem, parse_problem
from peerpear.engine.objective import utility

QUESTIONS: list[dict[str, Any]] = [
    {"id": "hobbies", "type": "multi_choice", "options": ["Hiking", "Gaming"]},
    {"id": "year", "type": "single_choice", "options": ["2027", "2028"]},
    {"id": "social", "type": "scale", "min": 1, "max": 5},
    {"id": "about", "type": "text"},
]


def problem(answers: dict[str, Any] | None = None, **settings: Any) -> dict[str, Any]:
    people: list[dict[str, Any]] = [
        {"id": "a", "answers": answers or {}},
        {"id": "b", "answers": {}},
    ]
    return {"questions": QUESTIONS, "participants": people, "settings": settings}


def test_design_example_parses() -> None:
    data = {
        "questions": [
            {"id": "hobbies", "type": "multi_choice", "options": ["Hiking", "Gaming", "Cooking"],
             "weight": 2, "mode": "similar"},
            {"id": "year", "type": "single_choice", "options": ["2027", "2028"], "weight": 1,
             "mode": "different"},
            {"id": "about", "type": "text", "weight": 1, "mode": "similar"},
        ],
        "participants": [
            {"id": "p1", "role": "big",
             "answers": {"hobbies": ["Hiking"], "year": "2027", "about": "I love trail running"}},
            {"id": "p2", "role": "little", "answers": {}},
        ],
        "settings": {"mode": "big_little", "group_size": 2, "seed": 0,
                     "must_pair": [["p1", "p2"]], "never_pair": [], "history": []},
    }  # fmt: skip
    parsed = Problem.model_validate(data)
    assert parsed.settings.mode == "big_little"
    assert parsed.participants[0].answers["hobbies"] == ["Hiking"]


def test_scale_defaults_to_one_to_five_and_numeric_strings_are_accepted() -> None:
    parsed = Problem.model_validate(
        {
            "questions": [{"id": "s", "type": "scale"}],
            "participants": [{"id": "a", "answers": {"s": "4"}}, {"id": "b", "answers": {}}],
        }
    )
    assert (parsed.questions[0].min, parsed.questions[0].max) == (1, 5)
    assert parsed.participants[0].answers["s"] == 4.0


def test_blank_answers_count_as_missing() -> None:
    parsed = Problem.model_validate(problem({"hobbies": [], "about": "", "year": None}))
    assert all(v is None for v in parsed.participants[0].answers.values())


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (problem({"nope": 1}), "unknown question 'nope'"),
        (problem({"hobbies": "Hiking"}), "expected a list"),
        (problem({"hobbies": ["Sailing"]}), "'Sailing' is not one of the options"),
        (problem({"year": "1999"}), "'1999' is not one of the options"),
        (problem({"social": 9}), "outside the scale 1..5"),
        (problem({"social": "lots"}), "expected a number"),
        (problem({"about": 3}), "expected text"),
        (problem(mode="mentor"), "has no role"),
        (problem(must_pair=[["a", "zed"]]), "unknown participant 'zed'"),
        (problem(never_pair=[["a", "zed"]]), "unknown participant 'zed'"),
        (problem(must_pair=[["a"]]), "at least two ids"),
        (problem(min_size=5, max_size=3), "min_size 5 exceeds max_size 3"),
        (problem(mode="triads"), "mode"),
        (problem(group_sise=3), "group_sise"),
    ],
)
def test_bad_input_is_named(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment.replace("(", r"\(").replace(".", r"\.")):
        Problem.model_validate(data)
    with pytest.raises(EngineError) as err:
        parse_problem(data)
    assert "\n" not in str(err.value)


def test_duplicates_roles_and_counts() -> None:
    data = problem()
    data["participants"][1]["id"] = "a"
    with pytest.raises(ValidationError, match="duplicate participant id 'a'"):
        Problem.model_validate(data)
    data = problem(mode="big_little")
    data["participants"][0]["role"] = "mentor"
    with pytest.raises(ValidationError, match="role 'mentor', not valid in big_little"):
        Problem.model_validate(data)
    data = problem()
    data["participants"] = data["participants"][:1]
    with pytest.raises(ValidationError, match="too few participants"):
        Problem.model_validate(data)
    data = problem()
    data["questions"] = [*QUESTIONS, QUESTIONS[0]]
    with pytest.raises(ValidationError, match="duplicate question id 'hobbies'"):
        Problem.model_validate(data)


def test_history_may_name_people_from_earlier_events() -> None:
    parsed = Problem.model_validate(problem(history=[["a", "someone-who-left"]]))
    assert parsed.settings.history == [["a", "someone-who-left"]]


def test_an_unknown_objective_is_refused_not_read_as_fair() -> None:
    data = {"questions": [], "participants": [{"id": "a"}, {"id": "b"}]}
    with pytest.raises(EngineError) as err:
        parse_problem({**data, "settings": {"objective": "maxmin"}})
    assert str(err.value) == "settings.objective: Input should be 'fair' or 'total'"
    with pytest.raises(AssertionError):  # the solvers' utility: no silent fallback either
        utility(np.array([0.5]), "maxmin")  # type: ignore[arg-type]
