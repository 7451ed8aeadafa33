"""What a provider does: one attempt is one HTTP request, and nothing more.

The client (llm/client.py) owns everything around an attempt: the timeout, retries, the
concurrency limit, the cache and the call record. A provider turns its SDK's failures into a
``ProviderError`` that says whether another attempt may help (rate limits, server errors,
timeouts, lost connections) or not (a refused key, an unknown model, a rejected request), with
the wait the server asked for (Retry-After) when it gave one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

# The SDKs' own timeout: a margin over the client's per-attempt one, so that ours
# (asyncio.timeout, then a retry) is what fires.
SDK_TIMEOUT_MARGIN_S = 5.0


@dataclass(frozen=True)
class Prompt:
    system: str  # our rules, the use's instructions and the output schema
    user: str  # the data, fenced (llm/prompts.py)


@dataclass(frozen=True)
class Completion:
    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True)
class Embedded:
    rows: list[list[float]]  # one per text, in order
    input_tokens: int | None = None


class ProviderError(Exception):
    """One attempt failed. ``reason`` is a clause for the call record ("the provider answered
    HTTP 500"); ``retryable`` whether another attempt may succeed; ``retry_after`` the seconds
    the server asked us to wait, if it said."""

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


class InvalidOutput(ProviderError):
    """The model answered, but not with JSON that fits the output model: worth another try
    (sampling differs between attempts)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=True)


class Provider(Protocol):
    name: str
    model: str
    embedding_model: str

    async def complete(
        self, prompt: Prompt, schema: dict[str, Any], schema_name: str
    ) -> Completion: ...

    async def embed(self, texts: list[str]) -> Embedded: ...

    async def aclose(self) -> None: ...


def status_error(
    status: int, message: str, model: str, retry_after: float | None = None
) -> ProviderError:
    """The ``ProviderError`` for an HTTP error status, worded for an admin."""
    detail = " ".join(message.split())[:200]
    if status == 429:
        return ProviderError(
            "the provider is rate limiting requests (HTTP 429)",
            retryable=True,
            status=status,
            retry_after=retry_after,
        )
    if status == 408 or status >= 500:
        return ProviderError(
            f"the provider failed with HTTP {status}",
            retryable=True,
            status=status,
            retry_after=retry_after,
        )
    if status == 401:
        reason = "the provider refused the API key (HTTP 401); check PEERPEAR_LLM_API_KEY"
    elif status == 403:
        reason = "the provider denied this API key access (HTTP 403)"
    elif status == 404:
        reason = f"the provider does not know the model {model!r} (HTTP 404)"
    else:
        reason = f"the provider rejected the request (HTTP {status})" + (
            f": {detail}" if detail else ""
        )
    return ProviderError(reason, retryable=False, status=status)


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """The wait a response asks for: ``retry-after-ms``, or ``Retry-After`` in seconds or as
    an HTTP date (RFC 9110 §10.2.3); None when absent or unreadable."""
    if not headers:
        return None
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        try:
            return max(float(milliseconds) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
