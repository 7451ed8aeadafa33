"""The HTTP libraries' own failures (no answer at all), as ``ProviderError``s.

Both SDKs send through httpx2, and google-genai can be switched to httpx; whichever is
installed is recognised. Imported only by the providers, hence only when one is configured.
"""

from __future__ import annotations

import importlib
from typing import Any

from peerpear.llm.provider import ProviderError


def _classes(attribute: str) -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = []
    for module_name in ("httpx2", "httpx"):
        try:
            module: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        found.append(getattr(module, attribute))
    return tuple(found)


TIMEOUTS = _classes("TimeoutException")
TRANSPORT = _classes("TransportError")


def transport_error(exc: BaseException) -> ProviderError | None:
    """The retryable error for a timeout or a lost connection; None for anything else."""
    if isinstance(exc, TIMEOUTS):
        return ProviderError("the provider did not answer in time", retryable=True)
    if isinstance(exc, TRANSPORT):
        return ProviderError(f"could not reach the provider ({type(exc).__name__})", retryable=True)
    return None
