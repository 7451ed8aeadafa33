"""Strategy llm's costs beside the model call: the repair of a sloppy proposal at the cap
(300 people), its evaluation, and the size of provider embeddings sent to the solver process.

    python -m benchmarks.pairing.proposal_repair

The proposal is what a careless model writes: a tenth of the people left out, ten named twice,
three unknown ids, ten groups of five where four are asked. Scikit-learn is loaded first (the
fork server preloads it), so the times are the repair's own. The embeddings: 30,000 distinct
answers (10,000 people, three text questions) of 1,536 dimensions, pickled as the solver
process receives them.
"""

from __future__ import annotations

import pickle
import random
import time

import numpy as np

from peerpear.engine.evaluate import evaluate
from peerpear.engine.precomputed import PrecomputedEmbedder
from peerpear.engine.problem import Problem, parse_problem
from peerpear.engine.proposal_repair import repair_proposal

WORDS = ["hiking", "film", "chess", "guitar", "cooking", "running", "games", "photo", "band"]


def _problem(n: int, rng: random.Random) -> Problem:
    questions = [
        {"id": "t", "type": "text", "weight": 1},
        {"id": "s", "type": "single_choice", "options": ["a", "b", "c"], "weight": 1},
    ]
    people = [
        {"id": str(i), "answers": {"t": " ".join(rng.sample(WORDS, 3)), "s": "abc"[i % 3]}}
        for i in range(n)
    ]
    never = [[str(i), str(i + 1)] for i in range(0, 60, 2)]
    settings = {"mode": "groups", "group_size": 4, "never_pair": never}
    return parse_problem({"questions": questions, "participants": people, "settings": settings})


def main() -> None:
    rng = random.Random(0)
    n = 300
    problem = _problem(n, rng)
    ids = [str(i) for i in range(n)]
    shuffled = rng.sample(ids, n)[: int(n * 0.9)]
    groups = [shuffled[i : i + 4] for i in range(0, len(shuffled), 4)]
    for group in groups[:10]:
        group.append(rng.choice(ids))
    groups[0] += ["x1", "x2", "x3"]
    repair_proposal(problem, [ids[:4]])  # loads scikit-learn, as the fork server has
    started = time.perf_counter()
    repaired = repair_proposal(problem, groups)
    repair_s = time.perf_counter() - started
    started = time.perf_counter()
    result = evaluate(problem, repaired.groups)
    evaluate_s = time.perf_counter() - started
    r = repaired.report
    print(
        f"n={n}: repair {repair_s * 1000:.0f} ms, evaluate {evaluate_s * 1000:.0f} ms; "
        f"unknown {len(r.unknown_ids)}, duplicates {len(r.duplicates)}, missing "
        f"{len(r.missing_placed)}, size fixes {len(r.size_fixes)}, rule fixes "
        f"{len(r.rule_fixes)}, moved {len(r.moved)}, kept {r.kept_share:.2f}, "
        f"exact fallback {r.exact_fallback}, valid {result.validation.ok}"
    )
    texts = [f"answer {i}" for i in range(30_000)]
    rows = np.random.default_rng(0).standard_normal((30_000, 1536)).astype(np.float32)
    started = time.perf_counter()
    blob = pickle.dumps(PrecomputedEmbedder(texts, rows))
    print(
        f"embeddings 30,000 x 1,536: {len(blob) / 1e6:.0f} MB pickled in "
        f"{time.perf_counter() - started:.2f} s"
    )


if __name__ == "__main__":
    main()
