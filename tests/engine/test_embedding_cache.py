"""The file cache of text vectors: exact round trips, no answer in clear, a bounded size,
several processes at once, and a broken file that only means no cache."""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from peerpear.engine.embedding_cache import FILE_NAME, EmbeddingCache

MODEL = "test-model-1"


def vectors(texts: list[str], seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {text: rng.standard_normal(8).astype(np.float32) for text in texts}


def test_vectors_come_back_bit_for_bit(tmp_path: Path) -> None:
    stored = vectors(["I love hiking", "trail running", "", "émoji 🎸 and\nnewlines"])
    EmbeddingCache(tmp_path).put(MODEL, stored)
    got = EmbeddingCache(tmp_path).get(MODEL, [*stored, "not there"])  # another process's view
    assert set(got) == set(stored)
    for text, vector in stored.items():
        assert got[text].dtype == np.float32 and got[text].tobytes() == vector.tobytes()


def test_models_do_not_share_vectors(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    cache.put(MODEL, vectors(["chess"]))
    assert cache.get("another-model-2", ["chess"]) == {}


def test_a_stored_vector_is_never_replaced(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    first = vectors(["chess"], seed=1)
    cache.put(MODEL, first)
    cache.put(MODEL, vectors(["chess"], seed=2))
    assert cache.get(MODEL, ["chess"])["chess"].tobytes() == first["chess"].tobytes()


def test_the_file_holds_no_answer_in_clear(tmp_path: Path) -> None:
    EmbeddingCache(tmp_path).put(MODEL, vectors(["my secret hobby is lockpicking"]))
    raw = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())
    assert b"lockpicking" not in raw


def test_the_oldest_rows_go_past_the_limit(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, max_rows=10)
    for batch in range(5):
        cache.put(MODEL, vectors([f"text {batch}-{i}" for i in range(4)]))
    kept = cache.get(MODEL, [f"text {b}-{i}" for b in range(5) for i in range(4)])
    assert len(kept) == 10
    assert {f"text 4-{i}" for i in range(4)} <= set(kept)  # the newest stay
    assert not {f"text 0-{i}" for i in range(4)} & set(kept)


def _writer(folder: str, worker: int) -> None:
    cache = EmbeddingCache(Path(folder))
    for batch in range(20):
        # overlapping texts: both processes write some of the same keys
        texts = [f"shared {batch}-{i}" for i in range(5)] + [f"own {worker}-{batch}"]
        cache.put(MODEL, vectors(texts, seed=batch))
        cache.get(MODEL, texts)


def test_processes_share_the_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_writer, args=(str(tmp_path), w)) for w in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    texts = [f"shared {b}-{i}" for b in range(20) for i in range(5)]
    texts += [f"own {w}-{b}" for w in range(3) for b in range(20)]
    assert len(EmbeddingCache(tmp_path).get(MODEL, texts)) == len(texts)


def test_an_unusable_folder_means_no_cache(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    cache = EmbeddingCache(not_a_folder / "cache")
    with caplog.at_level(logging.WARNING, "peerpear.engine.embedding_cache"):
        cache.put(MODEL, vectors(["chess"]))
        assert cache.get(MODEL, ["chess"]) == {}
        cache.put(MODEL, vectors(["go"]))
    assert len(caplog.records) == 1  # one warning, then quiet
    assert "going on without it" in caplog.records[0].getMessage()


def test_a_corrupt_file_means_no_cache(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / FILE_NAME).write_bytes(b"this is not a database" * 100)
    cache = EmbeddingCache(tmp_path)
    with caplog.at_level(logging.WARNING, "peerpear.engine.embedding_cache"):
        assert cache.get(MODEL, ["chess"]) == {}
        cache.put(MODEL, vectors(["chess"]))
    assert caplog.records


def test_a_locked_file_means_no_cache_for_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("peerpear.engine.embedding_cache.BUSY_TIMEOUT_S", 0.05)
    cache = EmbeddingCache(tmp_path)
    cache.put(MODEL, vectors(["chess"]))
    holder = sqlite3.connect(tmp_path / FILE_NAME)
    holder.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
    try:
        EmbeddingCache(tmp_path).put(MODEL, vectors(["go"]))  # gives up; no exception
    finally:
        holder.rollback()
        holder.close()
