"""Turning the services' errors into what a form shows: sentences, and messages per field."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from peerpear.errors import AppError

# Statuses that ask the client to wait (Retry-After): a page keeps them; other refusals of a
# form answer 422 (never 401, which asks the browser for HTTP authentication).
WAIT_STATUSES = frozenset({429, 503})


def sentence(message: str) -> str:
    """A service's message as a sentence on a page."""
    message = message.strip()
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


# pydantic's words for checks whose own message means nothing to a reader (a regular
# expression): what the field needs instead. Our text types' pattern asks for something that
# is not only spaces (and no NUL character, which has a message of its own).
_PLAIN_BY_TYPE = {
    "string_pattern_mismatch": "fill this in (spaces alone do not count)",
    "missing": "fill this in",
}


def readable(item: Any) -> str:
    """A pydantic-style error item's message as a reader should see it (not yet a sentence):
    without the "Value error, " prefix pydantic adds to a validator's own words, and in plain
    words where pydantic's message would quote a pattern."""
    if not isinstance(item, dict):
        return "is not valid"
    plain = _PLAIN_BY_TYPE.get(str(item.get("type")))
    return plain or str(item.get("msg", "is not valid")).removeprefix("Value error, ")


def field_errors(details: Any, fields: Iterable[str]) -> dict[str, str]:
    """The first message per field from pydantic-style error details (``loc`` ending with the
    field's name); details about other things are left out."""
    wanted = set(fields)
    found: dict[str, str] = {}
    for item in details if isinstance(details, list) else []:
        loc = item.get("loc") if isinstance(item, dict) else None
        name = str(loc[-1]) if loc else ""
        if name in wanted and name not in found:
            found[name] = sentence(readable(item))
    return found


def _duration(seconds: int) -> str:
    """A wait in words, rounded up to the minute past one minute: "about 59 minutes"."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    parts += [f"{minutes} minute{'s' if minutes != 1 else ''}"] if minutes else []
    return " and ".join(parts)


def wait_sentence(message: str, headers: dict[str, str] | None) -> str:
    """A throttled service's refusal (``too many x; try again in N seconds`` with Retry-After)
    as a sentence a person reads: what was too much, and how long to wait in words."""
    retry_after = (headers or {}).get("Retry-After", "")
    if not retry_after.isdigit():
        return sentence(message)
    what = message.split(";")[0].strip()
    return sentence(f"{what}: try again in {_duration(int(retry_after))}")


def unverified_sentence(email: str, where: str) -> str:
    """The page's words for the services' 403 when the server requires a confirmed address
    (issue 12; the service's own message names the API's resend endpoint)."""
    return (
        f"Confirm your email address first: follow the link we emailed to {email}, or ask for "
        f"a new one {where}."
    )


def is_unverified(refused: AppError) -> bool:
    """Whether a refusal is ``ensure_verified``'s (auth/verification.py)."""
    details = refused.details
    return (
        refused.status_code == 403
        and isinstance(details, dict)
        and (details.get("reason") == "unverified")
    )
