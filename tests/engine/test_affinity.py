"""Affinity against a slow, literal reading of DESIGN §3."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from peerpear.engine import Embedder, Problem, TfidfEmbedder, compute_affinity
from peerpear.engine import affinity as affinity_module
from tests.engine.conftest import random_problem


def reference_affinity(
    problem: Problem, emb: dict[str, NDArray[np.float32]], baseline: float = 0.0
) -> NDArray[np.float64]:
    """Pair by pair, question by question: the definition, with no vectorization tricks."""
    people = problem.participants
    n = len(people)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            num = den = 0.0
            for q in problem.questions:
                a, b = people[i].answers.get(q.id), people[j].answers.get(q.id)
                if a is None or b is None or q.weight == 0:
                    continue
                if q.type == "single_choice":
                    sim = float(a == b)
                elif q.type == "multi_choice":
                    sa, sb = set(a), set(b)  # type: ignore[arg-type]
                    sim = len(sa & sb) / len(sa | sb)
                elif q.type == "scale":
                    assert q.max is not None and q.min is not None
                    sim = 1 - abs(float(a) - float(b)) / (q.max - q.min)  # type: ignore[arg-type]
                else:
                    cos = float(emb[q.id][i] @ emb[q.id][j])
                    sim = float(np.clip((cos - baseline) / (1 - baseline), 0, 1))
                if q.mode == "different":
                    sim = 1 - sim
                num += q.weight * sim
                den += q.weight
            out[i, j] = num / den if den else 0.0
    return out


def text_embeddings(
    problem: Problem, embedder: Embedder | None = None
) -> dict[str, NDArray[np.float32]]:
    embedder = embedder or TfidfEmbedder()
    out = {}
    for q in problem.questions:
        if q.type != "text":
            continue
        rows = [i for i, p in enumerate(problem.participants) if p.answers.get(q.id) is not None]
        vectors = embedder.embed([str(problem.participants[i].answers[q.id]) for i in rows])
        full = np.zeros((len(problem.participants), vectors.shape[1]), dtype=np.float32)
        full[rows] = vectors
        out[q.id] = full
    return out


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 30), seed=st.integers(0, 10_000))
def test_matches_the_definition(n: int, seed: int) -> None:
    problem = random_problem(n, seed)
    got = compute_affinity(problem, TfidfEmbedder())  # the default is semantic when installed
    want = reference_affinity(problem, text_embeddings(problem))
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_known_values() -> None:
    problem = Problem.model_validate(
        {
            "questions": [
                {"id": "h", "type": "multi_choice", "weight": 2},
                {"id": "y", "type": "single_choice", "mode": "different"},
                {"id": "s", "type": "scale", "min": 1, "max": 5},
            ],
            "participants": [
                {"id": "a", "answers": {"h": ["x", "y"], "y": "1", "s": 5}},
                {"id": "b", "answers": {"h": ["y"], "y": "2", "s": 4}},
                {"id": "c", "answers": {}},
            ],
        }
    )
    a = compute_affinity(problem)
    # (2 * 1/2 + 1 * 1 + 1 * 0.75) / 4
    assert a[0, 1] == pytest.approx((2 * 0.5 + 1 + 0.75) / 4)
    assert a[0, 2] == 0.0 and a[2, 1] == 0.0  # no common question: no signal
    assert np.all(np.diag(a) == 0)


def test_negative_embeddings_are_clipped() -> None:
    class Opposite(Embedder):
        def embed(self, texts: list[str]) -> NDArray[np.float32]:
            return np.array([[1.0, 0.0], [-1.0, 0.0]], dtype=np.float32)[: len(texts)]

    problem = Problem.model_validate(
        {
            "questions": [{"id": "t", "type": "text"}],
            "participants": [
                {"id": "a", "answers": {"t": "x"}},
                {"id": "b", "answers": {"t": "y"}},
            ],
        }
    )
    assert compute_affinity(problem, Opposite())[0, 1] == 0.0


def test_an_embedder_with_exact_sparse_rows_is_used_through_the_protocol() -> None:
    # not a TfidfEmbedder: the affinity must ask the protocol, never the class
    class SparseOnly(Embedder):
        def embed(self, texts: list[str]) -> NDArray[np.float32]:
            raise AssertionError("the sparse rows were there; embed must not be called")

        def embed_sparse(self, texts: list[str]) -> sp.csr_matrix:
            rows = {"x": [1.0, 0.0], "y": [0.6, 0.8], "z": [0.0, 1.0]}
            return sp.csr_matrix(np.array([rows[t] for t in texts], dtype=np.float32))

    problem = Problem.model_validate(
        {
            "questions": [{"id": "t", "type": "text"}],
            "participants": [{"id": k, "answers": {"t": k}} for k in ("x", "y", "z")],
        }
    )
    a = compute_affinity(problem, SparseOnly())
    assert a[0, 1] == pytest.approx(0.6) and a[1, 2] == pytest.approx(0.8) and a[0, 2] == 0.0


def test_fine_scale_uses_the_elementwise_path() -> None:
    rng = np.random.default_rng(1)
    values = rng.uniform(0, 100, size=80).round(3)
    problem = Problem.model_validate(
        {
            "questions": [{"id": "s", "type": "scale", "min": 0, "max": 100, "mode": "different"}],
            "participants": [
                {"id": f"p{i}", "answers": {"s": float(v)}} for i, v in enumerate(values)
            ],
        }
    )
    want = np.abs(values[:, None] - values[None, :]) / 100
    np.fill_diagonal(want, 0)
    np.testing.assert_allclose(compute_affinity(problem), want, atol=1e-5)


@pytest.mark.parametrize("codes", [1 << 16, 8])
def test_jaccard_lookup_codes_equal_the_pattern_tables(
    codes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many answer patterns take the code-and-lookup path; it must agree with the exact tables
    (varying pick counts and a "different" copy of the question; 8 codes split the packing)."""
    base = random_problem(120, 3)
    data = base.model_dump(mode="json")
    extra = {**data["questions"][0], "id": "hobbies2", "mode": "different"}
    data["questions"].append(extra)
    for person in data["participants"]:
        if "hobbies" in person["answers"]:
            person["answers"]["hobbies2"] = list(reversed(person["answers"]["hobbies"]))
    problem = Problem.model_validate(data)
    expected = compute_affinity(problem)
    monkeypatch.setattr(affinity_module, "MAX_PATTERNS", 0)
    monkeypatch.setattr(affinity_module, "MAX_CODES", codes)
    np.testing.assert_allclose(compute_affinity(problem), expected, atol=1e-6)


def test_sparse_and_dense_text_products_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = random_problem(150, 4)
    monkeypatch.setattr(affinity_module, "SMALL_TEXT_DIM", 0)
    monkeypatch.setattr(affinity_module, "SPARSE_TEXT_SHARE", 1e9)  # sparse product
    sparse = compute_affinity(problem, TfidfEmbedder())
    monkeypatch.setattr(affinity_module, "SPARSE_TEXT_SHARE", 0.0)  # dense product
    np.testing.assert_allclose(compute_affinity(problem, TfidfEmbedder()), sparse, atol=1e-6)


def test_wide_multi_choice_takes_the_elementwise_jaccard(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = random_problem(80, 6)
    expected = compute_affinity(problem)
    monkeypatch.setattr(affinity_module, "MAX_PATTERNS", 0)
    monkeypatch.setattr(affinity_module, "MAX_CODED_OPTIONS", 0)
    np.testing.assert_allclose(compute_affinity(problem), expected, atol=1e-6)


def test_the_text_embedder_does_not_load_pandas() -> None:
    # scikit-learn would import pandas (installed for ortools) at 1-3 s; the exact fallback still
    # gets it afterwards. A fresh process: this one may have pandas loaded already.
    code = (
        "import sys\n"
        "from peerpear.engine import TfidfEmbedder\n"
        "TfidfEmbedder(max_dim=2).embed(['trail running', 'board games', 'jazz piano'])\n"
        "assert 'pandas' not in sys.modules, 'pandas was loaded'\n"
        "from ortools.sat.python import cp_model\n"
        "assert 'pandas' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
