"""Plain-word explanations from the affinity terms.

For every participant: their closest group mates (at most ``MATES``), and for each the strongest
shared or complementary answers, e.g. "You and Sam both picked Hiking and Cooking; you both
rated 'How social are you?' 5/5." Deterministic: mates by affinity then id, reasons by weight.
"""

from __future__ import annotations

import re

import numpy as np
from numpy.typing import NDArray

from peerpear.engine.problem import Problem, Question

MATES = 3
REASONS = 3
WORD = re.compile(r"[a-zA-Z][a-zA-Z'-]{3,}")
COMMON = frozenset(
    [
        "that",
        "this",
        "with",
        "have",
        "from",
        "they",
        "them",
        "like",
        "love",
        "really",
        "about",
        "very",
        "what",
        "when",
    ]
)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _reason(q: Question, mine: object, theirs: object) -> tuple[float, str] | None:
    """(strength, phrase) for one question, or None when it says nothing about this pair."""
    label = q.label
    if q.type == "single_choice":
        if q.mode == "similar" and mine == theirs:
            return q.weight, f"you both chose {mine} for '{label}'"
        if q.mode == "different" and mine != theirs:
            pair = " and ".join(sorted([str(mine), str(theirs)]))
            return q.weight, f"you complement each other on '{label}' ({pair})"
    elif q.type == "multi_choice":
        a, b = mine, theirs
        assert isinstance(a, frozenset) and isinstance(b, frozenset)
        shared = sorted(a & b)
        if q.mode == "similar" and shared:
            return q.weight * len(shared) / len(a | b), f"you both picked {_join(shared)}"
        if q.mode == "different" and a != b:
            return q.weight * len(a ^ b) / len(a | b), f"you bring different picks for '{label}'"
    elif q.type == "scale":
        assert q.min is not None and q.max is not None
        x, y = float(mine), float(theirs)  # type: ignore[arg-type]
        closeness = 1 - abs(x - y) / (q.max - q.min)
        top = f"{q.max:g}"
        if q.mode == "similar" and closeness >= 0.75:
            if x == y:
                return q.weight * closeness, f"you both rated '{label}' {x:g}/{top}"
            low, high = sorted([x, y])
            return (
                q.weight * closeness,
                f"you rated '{label}' alike ({low:g} and {high:g} of {top})",
            )
        if q.mode == "different" and closeness <= 0.5:
            low, high = sorted([x, y])
            return q.weight * (
                1 - closeness
            ), f"you differ on '{label}' ({low:g} and {high:g} of {top})"
    else:
        assert isinstance(mine, frozenset) and isinstance(theirs, frozenset)
        shared = sorted(mine & theirs)[:3]
        if q.mode == "similar" and shared:
            return q.weight * 0.5, f"you both wrote about {_join(shared)}"
    return None


def _prepared(problem: Problem) -> list[dict[str, object]]:
    """Answers in the form ``_reason`` compares: sets for multi choice, word sets for text."""
    out: list[dict[str, object]] = []
    for person in problem.participants:
        prepared: dict[str, object] = {}
        for q in problem.questions:
            value = person.answers.get(q.id)
            if value is None or q.weight <= 0:
                continue
            if q.type == "multi_choice":
                prepared[q.id] = frozenset(value)  # type: ignore[arg-type]
            elif q.type == "text":
                prepared[q.id] = frozenset(w.lower() for w in WORD.findall(str(value))) - COMMON
            else:
                prepared[q.id] = value
        out.append(prepared)
    return out


def prepare(problem: Problem) -> list[dict[str, object]]:
    """Every participant's answers as ``explain_pair`` compares them, in problem order."""
    return _prepared(problem)


def explain_pair(problem: Problem, mine: dict[str, object], theirs: dict[str, object]) -> list[str]:
    reasons: list[tuple[float, int, str]] = []
    for order, q in enumerate(problem.questions):
        if q.id in mine and q.id in theirs:
            found = _reason(q, mine[q.id], theirs[q.id])
            if found is not None:
                reasons.append((-found[0], order, found[1]))
    return [text for _, _, text in sorted(reasons)[:REASONS]]


def explain(problem: Problem, affinity: NDArray[np.float32], groups: list[list[int]]) -> list[str]:
    """One explanation per participant, in problem order."""
    people = problem.participants
    answers = _prepared(problem)
    out = [""] * len(people)
    # every phrase is symmetric (values in sorted order), so each pair is explained once
    cache: dict[tuple[int, int], list[str]] = {}
    for members in groups:
        for me in members:
            mates = sorted(
                (m for m in members if m != me), key=lambda m: (-affinity[me, m], people[m].id)
            )
            sentences = []
            for mate in mates[:MATES]:
                key = (min(me, mate), max(me, mate))
                if key not in cache:
                    cache[key] = explain_pair(problem, answers[me], answers[mate])
                reasons = cache[key]
                name = people[mate].display_name
                if reasons:
                    sentences.append(f"You and {name}: " + "; ".join(reasons) + ".")
            if not sentences:
                names = _join([people[m].display_name for m in mates]) if mates else "nobody"
                sentences.append(
                    f"You are with {names}; your answers have little in common, so this group "
                    "was chosen to keep everyone else's matches strong."
                )
            out[me] = " ".join(sentences)
    return out
