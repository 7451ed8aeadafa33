"""The LLM client the uses see when a provider is configured (gemini, openai).

Around every request to the provider: the per-attempt timeout, the retries (llm/retries.py),
the process-wide concurrency limit (a semaphore taken per attempt, so a call waiting out a
backoff leaves its slot to others), the cache (llm/cache.py) and one record per logical call
(llm/records.py). A call that fails for good raises ``LLMCallFailed`` with a one-sentence
reason, which is also its record's; the uses then fall back to their offline version.

On SQLite, call the LLM outside a write transaction: the cache and the records are written in
transactions of their own, which would wait for the caller's write lock.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from peerpear.llm import cache
from peerpear.llm.base import LLMCallFailed, Output
from peerpear.llm.offline import OfflineLLM
from peerpear.llm.prompts import build_prompt, schema_name
from peerpear.llm.provider import InvalidOutput, Provider, ProviderError
from peerpear.llm.records import CallRecord, save_record
from peerpear.llm.retries import RetryPolicy
from peerpear.models import LLMCallOutcome

logger = logging.getLogger("peerpear.llm")

T = TypeVar("T")

STOPPED = "the caller stopped waiting for the answer"
# Texts per embedding request (Gemini's batchEmbedContents takes at most 100).
EMBED_BATCH = 100


class _Tally:
    """The requests one logical call made, and the tokens the provider reported for them."""

    def __init__(self) -> None:
        self.attempts = 0
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None

    def add(self, input_tokens: int | None, output_tokens: int | None = None) -> None:
        if input_tokens is not None:
            self.input_tokens = (self.input_tokens or 0) + input_tokens
        if output_tokens is not None:
            self.output_tokens = (self.output_tokens or 0) + output_tokens


def parse_answer(output: type[Output], text: str) -> Output:
    """The model's text as an ``output`` instance, or ``InvalidOutput`` saying what is wrong.
    A Markdown code fence around the JSON (some OpenAI-compatible servers add one) is dropped."""
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    try:
        return output.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the answer"
        raise InvalidOutput(
            f"the model's answer did not fit {output.__name__} ({where}: {first['msg']})"
        ) from exc


class RobustLLM:
    available = True

    def __init__(
        self,
        provider: Provider,
        sessions: async_sessionmaker[AsyncSession],
        *,
        timeout_s: float,
        max_concurrency: int,
        retry: RetryPolicy,
    ) -> None:
        self._provider = provider
        self._sessions = sessions
        self.timeout_s = timeout_s
        self.retry = retry
        self._slots = asyncio.Semaphore(max_concurrency)

    @property
    def provider(self) -> str:
        return self._provider.name

    @property
    def model(self) -> str:
        return self._provider.model

    async def structured(
        self,
        purpose: str,
        instructions: str,
        data: Any,
        output: type[Output],
        *,
        event_id: int | None = None,
    ) -> Output:
        started = time.perf_counter()
        schema = output.model_json_schema()
        prompt = build_prompt(instructions, data, schema)
        name, model = self._provider.name, self._provider.model
        key = cache.answer_key(name, model, purpose, prompt, schema)
        hit = self._revalidate(output, await cache.read_answer(self._sessions, key))
        if hit is not None:
            await self._record(event_id, purpose, model, started, LLMCallOutcome.CACHED, _Tally())
            return hit

        tally = _Tally()

        async def attempt() -> Output:
            completion = await self._send(
                lambda: self._provider.complete(prompt, schema, schema_name(output)), tally
            )
            tally.add(completion.input_tokens, completion.output_tokens)
            return parse_answer(output, completion.text)

        answer = await self._retried(attempt, tally, event_id, purpose, model, started)
        await cache.store_answer(
            self._sessions,
            key,
            provider=name,
            model=model,
            purpose=purpose,
            output=answer.model_dump(mode="json"),
        )
        await self._record(event_id, purpose, model, started, LLMCallOutcome.OK, tally)
        return answer

    async def embed(
        self, texts: list[str], *, purpose: str = "embedding", event_id: int | None = None
    ) -> NDArray[np.float32]:
        model = self._provider.embedding_model
        if not model:  # no embedding model configured: the local embedder, as offline
            return await OfflineLLM().embed(texts, purpose=purpose, event_id=event_id)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        started = time.perf_counter()
        name = self._provider.name
        keys = {text: cache.embedding_key(name, model, text) for text in dict.fromkeys(texts)}
        known = await cache.read_vectors(self._sessions, list(keys.values()))
        # Blank texts carry no signal (a zero row) and providers refuse them: never sent.
        missing = [text for text, key in keys.items() if key not in known and text.strip()]
        tally = _Tally()
        fresh: dict[str, NDArray[np.float32]] = {}
        try:
            for start in range(0, len(missing), EMBED_BATCH):
                batch = missing[start : start + EMBED_BATCH]
                rows = await self._embed_batch(batch, tally, event_id, purpose, model, started)
                fresh.update({keys[text]: row for text, row in zip(batch, rows, strict=True)})
        finally:
            await cache.store_vectors(self._sessions, name, model, fresh)  # paid for: keep
        outcome = LLMCallOutcome.OK if missing else LLMCallOutcome.CACHED
        await self._record(event_id, purpose, model, started, outcome, tally)
        return _assemble(texts, keys, {**known, **fresh})

    async def aclose(self) -> None:
        await self._provider.aclose()

    async def _embed_batch(
        self,
        batch: list[str],
        tally: _Tally,
        event_id: int | None,
        purpose: str,
        model: str,
        started: float,
    ) -> list[NDArray[np.float32]]:
        async def attempt() -> list[NDArray[np.float32]]:
            embedded = await self._send(lambda: self._provider.embed(batch), tally)
            tally.add(embedded.input_tokens)
            matrix = np.asarray(embedded.rows, dtype=np.float32)
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            if matrix.ndim != 2 or not np.all(norms > 0):
                raise InvalidOutput("the provider returned empty or zero embeddings")
            return list(matrix / norms)

        return await self._retried(attempt, tally, event_id, purpose, model, started)

    async def _send(self, request: Callable[[], Awaitable[T]], tally: _Tally) -> T:
        """One request: a concurrency slot, then at most ``timeout_s`` for the answer."""
        async with self._slots:
            tally.attempts += 1
            try:
                async with asyncio.timeout(self.timeout_s):
                    return await request()
            except TimeoutError as exc:
                raise ProviderError(
                    f"the provider did not answer within {self.timeout_s:g} s", retryable=True
                ) from exc

    async def _retried(
        self,
        attempt: Callable[[], Awaitable[T]],
        tally: _Tally,
        event_id: int | None,
        purpose: str,
        model: str,
        started: float,
    ) -> T:
        """``attempt`` under the retry policy; a failure for good is recorded and raised as
        ``LLMCallFailed``."""
        try:
            return await self.retry.run(attempt)
        except asyncio.CancelledError:
            # The caller stopped waiting (the suggest endpoint's deadline, a cancelled run): the
            # call still counts, and admins must see it among the failures. Shielded: the
            # record is written whatever else is being cancelled.
            failed = LLMCallOutcome.FAILED
            await asyncio.shield(
                self._record(event_id, purpose, model, started, failed, tally, STOPPED)
            )
            raise
        except ProviderError as exc:
            reason = exc.reason
            if exc.retryable:
                reason = f"gave up after {tally.attempts} attempts: {exc.reason}"
        except Exception as exc:  # an SDK failure we do not map: still a failed call
            logger.exception("unexpected failure of an LLM call (%s)", purpose)
            reason = f"unexpected error: {type(exc).__name__}: {exc}"[:300]
        await self._record(event_id, purpose, model, started, LLMCallOutcome.FAILED, tally, reason)
        raise LLMCallFailed(reason)

    async def _record(
        self,
        event_id: int | None,
        purpose: str,
        model: str,
        started: float,
        outcome: LLMCallOutcome,
        tally: _Tally,
        reason: str | None = None,
    ) -> None:
        record = CallRecord(
            event_id=event_id,
            purpose=purpose,
            provider=self._provider.name,
            model=model,
            outcome=outcome,
            attempts=tally.attempts,
            latency_ms=round((time.perf_counter() - started) * 1000),
            reason=reason,
            input_tokens=tally.input_tokens,
            output_tokens=tally.output_tokens,
        )
        await save_record(self._sessions, record)

    @staticmethod
    def _revalidate(output: type[Output], stored: Any) -> Output | None:
        if stored is None:
            return None
        try:
            return output.model_validate(stored)
        except ValidationError:  # the model's rules changed since: ask again
            return None


def _assemble(
    texts: list[str], keys: dict[str, str], vectors: dict[str, NDArray[np.float32]]
) -> NDArray[np.float32]:
    """One row per text, in order; blank texts get a zero row (no signal)."""
    width = next((len(vector) for vector in vectors.values()), 0)
    rows = np.zeros((len(texts), width), dtype=np.float32)
    for i, text in enumerate(texts):
        vector = vectors.get(keys[text])
        if vector is not None:
            if len(vector) != width:
                raise LLMCallFailed(
                    "the provider's embeddings changed length between calls; clear llm_embeddings"
                )
            rows[i] = vector
    return rows
