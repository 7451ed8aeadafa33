"""Shared builders for engine tests: small random problems in every mode."""

from __future__ import annotations

from typing import Any

import numpy as np

from peerpear.engine import Problem

OPTIONS = ["Hiking", "Gaming", "Cooking", "Music"]
YEARS = ["2027", "2028", "2029"]
WORDS = ["trail running", "board games", "jazz piano", "baking bread", "chess", "climbing"]


def random_answers(rng: np.random.Generator, missing: float = 0.2) -> dict[str, Any]:
    """Answers to the QUESTIONS below, each skipped with probability ``missing``."""
    answers: dict[str, Any] = {
        "hobbies": [str(o) for o in rng.choice(OPTIONS, size=rng.integers(1, 4), replace=False)],
        "year": str(rng.choice(YEARS)),
        "social": int(rng.integers(1, 6)),
        "about": "I like " + " and ".join(rng.choice(WORDS, size=2, replace=False)),
    }
    return {k: v for k, v in answers.items() if rng.random() >= missing}


QUESTIONS: list[dict[str, Any]] = [
    {"id": "hobbies", "type": "multi_choice", "options": OPTIONS, "weight": 2},
    {"id": "year", "type": "single_choice", "options": YEARS, "mode": "different"},
    {"id": "social", "type": "scale", "min": 1, "max": 5, "prompt": "How social are you?"},
    {"id": "about", "type": "text", "weight": 0.5},
]


def random_problem(
    n: int,
    seed: int = 0,
    roles: list[str] | None = None,
    attributes: bool = False,
    **settings: Any,
) -> Problem:
    """A problem of ``n`` people with random answers; ``roles`` cycles over the participants."""
    rng = np.random.default_rng(seed)
    people: list[dict[str, Any]] = []
    for i in range(n):
        person: dict[str, Any] = {"id": f"p{i}", "answers": random_answers(rng)}
        if roles:
            person["role"] = roles[i % len(roles)]
        if attributes:
            person["attributes"] = {"gender": str(rng.choice(["f", "m", "x"]))}
        people.append(person)
    return Problem.model_validate(
        {"questions": QUESTIONS, "participants": people, "settings": settings}
    )
