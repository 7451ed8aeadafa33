"""Benchmark instances: planted structure (latent types plus noise) and survey-shaped real data.

Planted instances are built so that the planted partition is itself a valid grouping for the
mode: every latent type has exactly the size (and the role mix) of a group, members copy their
type's prototype answer and each answer is replaced by a random one with probability `noise`.
Recovering the types is then measurable with the adjusted Rand index.

Survey-shaped instances resample the 2,800 real respondents of `shared/data/bfi.csv` (25 six-point
scale items, missing answers, gender as an attribute) through the CSV reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from peerpear.engine import Problem
from peerpear.engine.csv_config import CsvOptions
from peerpear.engine.csv_reader import read_csv_problem

# The full 2,800-respondent file lives in the project's shared folder beside the repository (the
# tests use only the sample in tests/data/); the survey-shaped cases need it.
BFI_CSV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "bfi.csv"

# The planted questionnaire: what a real event asks, in every question type.
SINGLE_CHOICE = 8  # questions with SINGLE_OPTIONS options each
SINGLE_OPTIONS = 8
MULTI_CHOICE = 4  # questions with MULTI_OPTIONS options, MULTI_PICKS picked
MULTI_OPTIONS = 12
MULTI_PICKS = 3
SCALES = 4  # 1..SCALE_MAX
SCALE_MAX = 7
TEXT_WORDS = 6  # words per free-text answer, from a vocabulary of VOCABULARY pseudo-words
VOCABULARY = 600
MISSING = 0.05  # share of answers left blank


@dataclass(frozen=True)
class Instance:
    name: str
    problem: Problem
    # Planted group label of each participant (problem order); None for real data.
    planted: NDArray[np.int64] | None


def planted_sizes(n: int, mode: str, group_size: int, leaders: int | None) -> list[tuple[int, int]]:
    """(leaders, followers) per planted group; leaders are bigs or mentors, else everyone."""
    if mode in ("big_little", "mentor"):
        if leaders is None or not 0 < leaders <= n - leaders:
            raise ValueError(f"{mode} needs 0 < leaders <= followers, got {leaders} of {n}")
        base, extra = divmod(n - leaders, leaders)
        return [(1, base + (1 if g < extra else 0)) for g in range(leaders)]
    groups = max(1, n // group_size)
    base, extra = divmod(n, groups)
    return [(0, base + (1 if g < extra else 0)) for g in range(groups)]


def planted_instance(
    n: int,
    mode: str = "pairs",
    *,
    group_size: int = 2,
    leaders: int | None = None,
    noise: float = 0.2,
    seed: int = 0,
    settings: dict[str, Any] | None = None,
    text: bool = True,
) -> Instance:
    """n participants in latent types shaped like the mode's groups, answers = prototype + noise."""
    rng = np.random.default_rng(seed)
    words = _vocabulary(rng)
    shapes = planted_sizes(n, mode, group_size, leaders)
    leader_role, follower_role = {
        "big_little": ("big", "little"),
        "mentor": ("mentor", "mentee"),
    }.get(mode, (None, None))
    questions = [q for q in planted_questions() if text or q["type"] != "text"]
    qids = [q["id"] for q in questions]
    participants: list[dict[str, Any]] = []
    labels: list[int] = []
    for label, (lead, follow) in enumerate(shapes):
        prototype = {qid: _random_answer(rng, words, qid) for qid in qids}
        for member in range(lead + follow):
            answers = {
                qid: (_random_answer(rng, words, qid) if rng.random() < noise else value)
                for qid, value in prototype.items()
                if rng.random() >= MISSING
            }
            person: dict[str, Any] = {"id": f"p{len(participants)}", "answers": answers}
            if leader_role is not None:
                person["role"] = leader_role if member < lead else follower_role
            participants.append(person)
            labels.append(label)
    # Shuffle so that no solver profits from the generation order.
    order = rng.permutation(len(participants))
    participants = [participants[i] for i in order]
    planted = np.asarray(labels, dtype=np.int64)[order]
    data = {
        "questions": questions,
        "participants": participants,
        "settings": {"mode": mode, "group_size": group_size, "seed": seed, **(settings or {})},
    }
    name = f"planted-{mode}-{n}-noise{noise:g}" + ("" if text else "-notext")
    return Instance(name, Problem.model_validate(data), planted)


def planted_questions() -> list[dict[str, Any]]:
    questions: list[dict[str, Any]] = []
    for q in range(SINGLE_CHOICE):
        options = [f"s{q}o{o}" for o in range(SINGLE_OPTIONS)]
        questions.append({"id": f"single{q}", "type": "single_choice", "options": options})
    for q in range(MULTI_CHOICE):
        options = [f"m{q}o{o}" for o in range(MULTI_OPTIONS)]
        questions.append({"id": f"multi{q}", "type": "multi_choice", "options": options})
    for q in range(SCALES):
        questions.append({"id": f"scale{q}", "type": "scale", "min": 1, "max": SCALE_MAX})
    questions.append({"id": "about", "type": "text", "prompt": "Tell us about yourself"})
    return questions


def _random_answer(rng: np.random.Generator, words: list[str], qid: str) -> Any:
    kind, q = qid.rstrip("0123456789"), int(qid[-1]) if qid[-1].isdigit() else 0
    if kind == "single":
        return f"s{q}o{rng.integers(SINGLE_OPTIONS)}"
    if kind == "multi":
        picks = rng.choice(MULTI_OPTIONS, size=MULTI_PICKS, replace=False)
        return [f"m{q}o{o}" for o in sorted(picks)]
    if kind == "scale":
        return int(rng.integers(1, SCALE_MAX + 1))
    return "I like " + " ".join(rng.choice(words, size=TEXT_WORDS, replace=False))


def _vocabulary(rng: np.random.Generator) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "sa", "do", "fu"]
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(syllables, size=3)))
    return sorted(words)


class MissingData(FileNotFoundError):
    """The survey-shaped cases need a data file that is not there."""


def require_bfi_csv(path: Path = BFI_CSV) -> None:
    if not path.is_file():
        raise MissingData(
            f"{path} is missing: the survey-shaped cases (bfi-*) need the full bfi.csv of the "
            "project's shared data folder beside the repository (origin: tests/data/README.md); "
            "run the planted cases only, e.g. --case pairs-300"
        )


def survey_instance(
    n: int,
    mode: str = "groups",
    *,
    group_size: int = 4,
    leaders: int | None = None,
    seed: int = 0,
    settings: dict[str, Any] | None = None,
    csv_path: Path = BFI_CSV,
) -> Instance:
    """n respondents drawn from bfi.csv (with replacement beyond 2,800, under fresh ids)."""
    require_bfi_csv(csv_path)
    options = CsvOptions(
        id_column="rownames", attribute_columns=["gender"], ignore_columns=["education", "age"]
    )
    source = read_csv_problem(csv_path, options).problem
    rng = np.random.default_rng(seed)
    pool = source.participants
    picks = rng.choice(len(pool), size=n, replace=n > len(pool))
    people: list[dict[str, Any]] = []
    for copy, index in enumerate(picks):
        person = pool[int(index)].model_dump(exclude_none=True)
        person["id"] = f"{person['id']}-{copy}"
        people.append(person)
    if mode in ("big_little", "mentor"):
        count = leaders or n // (group_size if mode == "big_little" else 4)
        lead, follow = ("big", "little") if mode == "big_little" else ("mentor", "mentee")
        for position, person in enumerate(people):
            person["role"] = lead if position < count else follow
    data = {
        "questions": [q.model_dump(exclude_none=True) for q in source.questions],
        "participants": people,
        "settings": {"mode": mode, "group_size": group_size, "seed": seed, **(settings or {})},
    }
    return Instance(f"bfi-{mode}-{n}", Problem.model_validate(data), None)
