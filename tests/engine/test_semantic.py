"""The semantic text embedder (WordLlama, the optional ``semantic`` extra).

Skipped as a whole where the extra is not installed (the README's bare ``uv run pytest``); CI
installs it (``.ci/run``). Everything else in the suite runs either way.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("wordllama")

from peerpear.engine import (
    Problem,
    TfidfEmbedder,
    compute_affinity,
    default_embedder,
    semantic,
    solve,
)
from peerpear.engine.embedding_cache import EmbeddingCache
from peerpear.engine.semantic import BASELINE, SemanticEmbedder
from tests.engine.conftest import random_problem
from tests.engine.test_affinity import reference_affinity, text_embeddings

PARAPHRASES = Path(__file__).resolve().parents[1] / "data" / "paraphrases.json"


def triplets() -> list[dict[str, str]]:
    data: list[dict[str, str]] = json.loads(PARAPHRASES.read_text())["triplets"]
    return data


def pair_similarity(a: str, b: str, embedder: Any) -> float:
    """The affinity of two people whose only answer is a text: the calibrated similarity."""
    problem = Problem.model_validate(
        {
            "questions": [{"id": "t", "type": "text"}],
            "participants": [{"id": "x", "answers": {"t": a}}, {"id": "y", "answers": {"t": b}}],
        }
    )
    return float(compute_affinity(problem, embedder)[0, 1])


def test_the_default_is_semantic_when_installed() -> None:
    assert isinstance(default_embedder(), SemanticEmbedder)
    assert isinstance(default_embedder(choice="semantic"), SemanticEmbedder)
    assert isinstance(default_embedder(choice="tfidf"), TfidfEmbedder)


def test_rows_are_unit_length_and_empty_text_is_no_signal() -> None:
    rows = SemanticEmbedder().embed(["I love hiking", "chess club", "", "I love hiking"])
    assert rows.dtype == np.float32 and rows.shape == (4, semantic.DIM)
    np.testing.assert_allclose(np.linalg.norm(rows[[0, 1, 3]], axis=1), 1.0, atol=1e-6)
    assert not rows[2].any()
    assert np.array_equal(rows[0], rows[3])
    assert SemanticEmbedder().embed_sparse(["x"]) is None  # the affinity uses the dense rows


def test_paraphrases_score_well_above_unrelated_answers() -> None:
    """Each answer is nearer its paraphrase (no content word in common) than an unrelated
    answer, by a margin: unrelated answers score about 0, paraphrases clearly above."""
    embedder = SemanticEmbedder()
    para = np.array([pair_similarity(t["answer"], t["paraphrase"], embedder) for t in triplets()])
    unrelated = np.array(
        [pair_similarity(t["answer"], t["unrelated"], embedder) for t in triplets()]
    )
    assert (para > unrelated).all()
    assert unrelated.mean() < 0.02 and unrelated.max() < 0.1  # the baseline removes the floor
    assert para.mean() > 0.2
    assert para.mean() - unrelated.mean() > 0.15
    assert (para - unrelated > 0.1).sum() >= 18  # of 24
    # TF-IDF sees no shared word in most paraphrases: its mean is close to the unrelated one
    tfidf = np.array(
        [pair_similarity(t["answer"], t["paraphrase"], TfidfEmbedder()) for t in triplets()]
    )
    assert tfidf.mean() < 0.1


def test_an_engine_run_pairs_paraphrase_partners_where_tfidf_cannot() -> None:
    people = [
        {"id": f"{kind}{i}", "answers": {"t": t[field]}}
        for kind, field in (("a", "answer"), ("p", "paraphrase"))
        for i, t in enumerate(triplets())
    ]
    problem = Problem.model_validate(
        {
            "questions": [{"id": "t", "type": "text"}],
            "participants": people,
            "settings": {"mode": "pairs", "objective": "total"},
        }
    )

    def partners(embedder: Any) -> int:
        groups = solve(problem, embedder=embedder).groups
        return sum(1 for g in groups if len({m[1:] for m in g.members}) == 1)

    assert partners(SemanticEmbedder()) >= 16  # 19 of 24 when measured
    assert partners(TfidfEmbedder()) <= 4  # 1 of 24


@settings(max_examples=10, deadline=None)
@given(n=st.integers(2, 30), seed=st.integers(0, 10_000))
def test_the_affinity_matches_the_definition_with_the_baseline(n: int, seed: int) -> None:
    problem = random_problem(n, seed)
    embedder = SemanticEmbedder()
    got = compute_affinity(problem, embedder)
    want = reference_affinity(problem, text_embeddings(problem, embedder), baseline=BASELINE)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_a_vector_does_not_depend_on_the_batch() -> None:
    """The cache relies on it: a text's vector is the same bits alone or among others."""
    texts = [t["answer"] for t in triplets()] + [t["paraphrase"] for t in triplets()]
    embedder = SemanticEmbedder()
    together = embedder.embed(texts)
    alone = np.vstack([embedder.embed([text]) for text in texts])
    reversed_order = embedder.embed(texts[::-1])[::-1]
    assert np.array_equal(together, alone) and np.array_equal(together, reversed_order)


def test_cached_vectors_give_the_same_affinity(tmp_path: Path) -> None:
    problem = random_problem(60, 5)
    plain = compute_affinity(problem, SemanticEmbedder())
    first = compute_affinity(problem, default_embedder(cache_dir=tmp_path))  # fills the cache
    cache = EmbeddingCache(tmp_path)
    texts = [str(p.answers["about"]) for p in problem.participants if "about" in p.answers]
    assert len(cache.get(semantic.model_id(), texts)) == len(set(texts))
    second = compute_affinity(problem, default_embedder(cache_dir=tmp_path))  # reads it
    assert np.array_equal(plain, first) and np.array_equal(plain, second)


def test_a_cache_hit_computes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["I love hiking", "trail running", "chess club"]
    SemanticEmbedder(EmbeddingCache(tmp_path)).embed(texts)
    calls: list[list[str]] = []
    original = SemanticEmbedder._compute

    def counted(self: SemanticEmbedder, texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return original(self, texts)

    monkeypatch.setattr(SemanticEmbedder, "_compute", counted)
    SemanticEmbedder(EmbeddingCache(tmp_path)).embed([*texts, "board games", "chess club"])
    assert calls == [["board games"]]  # only the new text, once


def test_the_model_is_loaded_once_across_threads() -> None:
    models: list[object] = []
    threads = [
        threading.Thread(target=lambda: models.append(semantic.load_model())) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(models) == 8 and all(model is models[0] for model in models)


def test_it_loads_offline_and_leaves_logging_alone() -> None:
    # A fresh process with every network connection refused and no HF_HUB_OFFLINE set: the
    # model and its tokenizer come from the installed package, and importing wordllama (which
    # calls logging.basicConfig) adds no handler to the root logger.
    code = (
        "import logging, os, socket\n"
        "os.environ.pop('HF_HUB_OFFLINE', None)\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('network access attempted')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from peerpear.engine.semantic import SemanticEmbedder\n"
        "rows = SemanticEmbedder().embed(['I love hiking', 'trail running'])\n"
        "assert rows.shape == (2, 256), rows.shape\n"
        "assert logging.getLogger().handlers == [], logging.getLogger().handlers\n"
        "assert 'HF_HUB_OFFLINE' not in os.environ\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert "Downloading" not in done.stderr and "Hugging Face" not in done.stderr
