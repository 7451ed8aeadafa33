"""The LLM cache in the database: structured answers by a digest of their full input, and
provider embeddings per text. A re-run asks only for what was never answered.

Every read and write is its own short transaction on the process's sessionmaker, never the
caller's: a cached answer stays cached when the caller's transaction rolls back, and no lock
is held while a model thinks. Writes are ``INSERT ... ON CONFLICT DO NOTHING`` (two processes
that paid for one answer both keep the first). A cache that cannot be read or written costs a
call, never the call: failures are logged and the call goes on.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.db import upsert_insert, utcnow
from peerpear.llm.provider import Prompt
from peerpear.models import LLMCacheEntry, LLMEmbedding

logger = logging.getLogger("peerpear.llm.cache")

# Keys per IN (...) and rows per INSERT: well under SQLite's and asyncpg's parameter limits.
CHUNK = 500
VECTOR_DTYPE = np.dtype("<f4")


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def answer_key(
    provider: str, model: str, purpose: str, prompt: Prompt, schema: dict[str, Any]
) -> str:
    """The cache key of a structured call: the prompt holds the instructions and the data."""
    return _digest("answer", provider, model, purpose, prompt.system, prompt.user, schema)


def embedding_key(provider: str, model: str, text: str) -> str:
    return _digest("embedding", provider, model, text)


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


async def read_answer(sessions: async_sessionmaker[AsyncSession], key: str) -> Any | None:
    try:
        async with sessions() as db:
            stored: Any = await db.scalar(
                select(LLMCacheEntry.output).where(LLMCacheEntry.key == key)
            )
            return stored
    except SQLAlchemyError:
        logger.warning("LLM cache read failed; calling the provider", exc_info=True)
        return None


async def store_answer(
    sessions: async_sessionmaker[AsyncSession],
    key: str,
    *,
    provider: str,
    model: str,
    purpose: str,
    output: Any,
) -> None:
    try:
        async with sessions() as db:
            await db.execute(
                upsert_insert(db, LLMCacheEntry)
                .values(
                    key=key,
                    provider=provider,
                    model=model,
                    purpose=purpose,
                    output=output,
                    created_at=utcnow(),
                )
                .on_conflict_do_nothing(index_elements=[LLMCacheEntry.key])
            )
            await db.commit()
    except SQLAlchemyError:
        logger.warning("LLM cache write failed; the answer is not cached", exc_info=True)


async def read_vectors(
    sessions: async_sessionmaker[AsyncSession], keys: list[str]
) -> dict[str, NDArray[np.float32]]:
    found: dict[str, NDArray[np.float32]] = {}
    try:
        async with sessions() as db:
            for chunk in _chunks(keys):
                rows = await db.execute(
                    select(LLMEmbedding.key, LLMEmbedding.vector).where(LLMEmbedding.key.in_(chunk))
                )
                for key, vector in rows.tuples():
                    found[key] = np.frombuffer(vector, dtype=VECTOR_DTYPE).astype(np.float32)
    except SQLAlchemyError:
        logger.warning("LLM embedding cache read failed; calling the provider", exc_info=True)
        return {}
    return found


async def store_vectors(
    sessions: async_sessionmaker[AsyncSession],
    provider: str,
    model: str,
    vectors: dict[str, NDArray[np.float32]],
) -> None:
    now = utcnow()
    rows = [
        {
            "key": key,
            "provider": provider,
            "model": model,
            "vector": np.asarray(vector, dtype=VECTOR_DTYPE).tobytes(),
            "created_at": now,
        }
        for key, vector in vectors.items()
    ]
    if not rows:
        return
    try:
        async with sessions() as db:
            # 5 parameters a row: 100 rows a statement stays far below every limit.
            for start in range(0, len(rows), 100):
                await db.execute(
                    upsert_insert(db, LLMEmbedding)
                    .values(rows[start : start + 100])
                    .on_conflict_do_nothing(index_elements=[LLMEmbedding.key])
                )
            await db.commit()
    except SQLAlchemyError:
        logger.warning("LLM embedding cache write failed; not cached", exc_info=True)
