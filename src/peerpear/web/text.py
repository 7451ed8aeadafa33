"""Turning the services' errors into what a form shows: sentences, and messages per field."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# Statuses that ask the client to wait (Retry-After): a page keeps them; other refusals of a
# form answer 422 (never 401, which asks the browser for HTTP authentication).
WAIT_STATUSES = frozenset({429, 503})


def sentence(message: str) -> str:
    """A service's message as a sentence on a page."""
    message = message.strip()
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def field_errors(details: Any, fields: Iterable[str]) -> dict[str, str]:
    """The first message per field from pydantic-style error details (``loc`` ending with the
    field's name); details about other things are left out."""
    wanted = set(fields)
    found: dict[str, str] = {}
    for item in details if isinstance(details, list) else []:
        loc = item.get("loc") if isinstance(item, dict) else None
        name = str(loc[-1]) if loc else ""
        if name in wanted and name not in found:
            found[name] = sentence(str(item.get("msg", "is not valid")))
    return found


def schema_message(message: str) -> str:
    """A pydantic message as a sentence, without the "Value error, " that pydantic puts before
    the message of a validator's ValueError (console-events)."""
    return sentence(message.removeprefix("Value error, "))
