"""A file cache of text vectors, so that a re-run does not embed the same answers again.

One SQLite file (``embeddings.sqlite3`` in the directory given), one row per (model, text):
the key is the model's name and version and the SHA-256 of the text, so the file holds no
answer in clear; the value is the vector's float32 bytes, exactly as computed, so a run gives
the same result whether its vectors came from the cache or not. Concurrent solver processes
share the file: WAL mode, a busy timeout, and writes that only ever insert (``OR IGNORE``: two
processes that computed the same vector wrote the same bytes). Past ``max_rows`` the oldest
rows are deleted.

The cache is a convenience: a file that cannot be opened, read or written (a read-only disk, a
corrupt file, a lock held too long) logs one warning and the run goes on without it.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

logger = logging.getLogger("peerpear.engine.embedding_cache")

FILE_NAME = "embeddings.sqlite3"
MAX_ROWS = 200_000  # about 220 MB of 256-d vectors
BUSY_TIMEOUT_S = 5.0
CHUNK = 500  # keys per SELECT (SQLite's host parameter limit is 999 on old builds)

SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    text_hash BLOB NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, text_hash)
)
"""


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class EmbeddingCache:
    """Vectors by (model, text) in ``directory/embeddings.sqlite3``; thread-safe."""

    def __init__(self, directory: Path, max_rows: int = MAX_ROWS) -> None:
        self.path = Path(directory) / FILE_NAME
        self.max_rows = max_rows
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._broken = False

    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is None and not self._broken:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(SCHEMA)
                conn.commit()
                self._conn = conn
            except (OSError, sqlite3.Error) as exc:
                self._give_up("open", exc)
        return self._conn

    def _give_up(self, action: str, exc: Exception) -> None:
        if not self._broken:
            logger.warning(
                "cannot %s the embedding cache %s (%s): going on without it", action, self.path, exc
            )
        self._broken = True
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def get(self, model: str, texts: Iterable[str]) -> dict[str, NDArray[np.float32]]:
        """The cached vectors of those of ``texts`` that have one."""
        keys = {text_key(text): text for text in set(texts)}
        found: dict[str, NDArray[np.float32]] = {}
        with self._lock:
            conn = self._connect()
            if conn is None:
                return found
            try:
                hashes = list(keys)
                for start in range(0, len(hashes), CHUNK):
                    chunk = hashes[start : start + CHUNK]
                    marks = ",".join("?" * len(chunk))
                    rows = conn.execute(
                        f"SELECT text_hash, vector FROM vectors "
                        f"WHERE model = ? AND text_hash IN ({marks})",
                        [model, *chunk],
                    )
                    for text_hash, vector in rows:
                        found[keys[text_hash]] = np.frombuffer(vector, dtype=np.float32)
            except sqlite3.Error as exc:
                self._give_up("read", exc)
                return {}
        return found

    def put(self, model: str, vectors: Mapping[str, NDArray[np.float32]]) -> None:
        """Stores ``vectors`` (text -> float32 row); keeps what is there already."""
        if not vectors:
            return
        rows = [
            (model, text_key(text), np.ascontiguousarray(v, dtype=np.float32).tobytes())
            for text, v in vectors.items()
        ]
        with self._lock:
            conn = self._connect()
            if conn is None:
                return
            try:
                with conn:  # one transaction
                    conn.executemany(
                        "INSERT OR IGNORE INTO vectors (model, text_hash, vector) VALUES (?, ?, ?)",
                        rows,
                    )
                    conn.execute(
                        "DELETE FROM vectors WHERE rowid <= (SELECT MAX(rowid) FROM vectors) - ?",
                        (self.max_rows,),
                    )
            except sqlite3.Error as exc:
                self._give_up("write to", exc)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
