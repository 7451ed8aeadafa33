"""When to try an LLM request again, and how long to wait first (tenacity).

Rate limits, server errors, timeouts, lost connections and output that does not validate are
retried, up to ``max_attempts`` requests in all; a refused key, an unknown model or a rejected
request fail at once (another attempt would be refused the same way). The wait between
attempts grows exponentially with jitter, so that many callers hitting one limit together do
not come back together; when the server says how long to wait (Retry-After), that wait is
used instead, capped so that one answer cannot park a job for an hour.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from peerpear.llm.provider import ProviderError

T = TypeVar("T")


def retryable(exc: BaseException) -> bool:
    return isinstance(exc, ProviderError) and exc.retryable


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    initial_wait_s: float = 1.0
    max_wait_s: float = 30.0
    max_retry_after_s: float = 60.0

    def wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, ProviderError) and exc.retry_after is not None:
            asked = min(exc.retry_after, self.max_retry_after_s)
            # A little later than asked, never earlier: callers told the same wait spread out.
            return asked + random.uniform(0, asked * 0.1)
        backoff = wait_exponential_jitter(
            initial=self.initial_wait_s, max=self.max_wait_s, jitter=self.initial_wait_s
        )
        return backoff(state)

    async def run(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """``attempt()`` until it succeeds, fails for good, or ``max_attempts`` are spent; the
        last ``ProviderError`` (or any other exception) propagates."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self.wait,
            retry=retry_if_exception(retryable),
            reraise=True,
        )
        result: T = await retrying(attempt)
        return result
