"""``llm_cache_entries`` and ``llm_embeddings``: answers already paid for, reused on re-runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from peerpear.db import Base, utcnow


class LLMCacheEntry(Base):
    """A validated structured answer. ``key`` is the SHA-256 hex digest of the provider, model,
    purpose and the full input (instructions, data, output schema): any change is a new key.
    ``output`` is stored as JSON and validated again against the output model on a hit."""

    __tablename__ = "llm_cache_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(64))
    output: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LLMEmbedding(Base):
    """One text's embedding from a provider's model: ``key`` is the SHA-256 hex digest of the
    provider, the embedding model and the text; ``vector`` its L2-normalized float32 row
    (little-endian bytes, 4 per dimension: a tenth of the size of a JSON list)."""

    __tablename__ = "llm_embeddings"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
