"""One error hierarchy: what a service raises when a request cannot be done.

Services raise these; :mod:`peerpear.error_handlers` renders each as the one JSON error shape
``{"error": {"code", "message", "details"}}`` with its status. Nothing here knows about HTTP
frameworks, so services and the CLI import it without loading FastAPI.
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """An expected condition with its own HTTP status. Raise a subclass, never this."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers


class ValidationFailed(AppError):
    status_code = 422
    code = "validation_error"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class InvalidState(AppError):
    """The resource exists but its state does not allow the action (e.g. editing a closed event)."""

    status_code = 409
    code = "invalid_state"


class Gone(AppError):
    """The resource existed but is no longer usable (a revoked or expired invite code)."""

    status_code = 410
    code = "gone"


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_requests"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"


# Seconds a client is told to wait when the database is overloaded (pool exhausted, SQLite
# locked): long enough for a burst to drain.
OVERLOAD_RETRY_AFTER = 5


def database_overloaded_error() -> ServiceUnavailable:
    """What an overloaded database answers: 503, retry in a few seconds."""
    return ServiceUnavailable(
        f"the server is busy; try again in {OVERLOAD_RETRY_AFTER} seconds",
        details={"retry_after": OVERLOAD_RETRY_AFTER},
        headers={"Retry-After": str(OVERLOAD_RETRY_AFTER)},
    )


def database_unavailable_error() -> ServiceUnavailable:
    """What a request answers when the database cannot be reached at all."""
    return ServiceUnavailable("the database is unavailable; try again later")
