"""Rendering errors as HTTP responses: every error, expected or not, in the one JSON shape
``{"error": {"code", "message", "details"}}``, with the security headers, never a stack trace.

:mod:`peerpear.errors` holds the error types services raise; this module installs the handlers
that turn them, FastAPI's own errors and database failures into responses.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from peerpear.errors import AppError, database_overloaded_error
from peerpear.routing import iter_routes
from peerpear.security_headers import baseline_headers

logger = logging.getLogger("peerpear.errors")


MIB = 1024 * 1024


class PayloadTooLarge(StarletteHTTPException):
    """413: the request body is over its limit (see :mod:`peerpear.body_limit`).

    An ``HTTPException`` rather than an :class:`AppError`: it is raised while FastAPI reads the
    body, and FastAPI passes only ``HTTPException`` on from there (anything else becomes 400).
    """

    def __init__(self, limit: int) -> None:
        size = f"{limit / MIB:g} MiB" if limit >= MIB else f"{limit} bytes"
        super().__init__(status_code=413, detail=f"request body is larger than the {size} limit")
        self.details = {"limit_bytes": limit}


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    503: "service_unavailable",
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": jsonable_encoder(details)}}


def _request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "-"))


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse(
        error_body(exc.code, exc.message, exc.details),
        status_code=exc.status_code,
        headers=exc.headers,
    )


def allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts on the request's path.

    Starlette's 405 names only the methods of the first route that matched the path, while
    each method of a path is a route of its own here (``GET /me`` and ``PATCH /me``).
    """
    methods: set[str] = set()
    for route in iter_routes(request.app.routes):
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods.update(getattr(route, "methods", None) or ())  # a mount has none
    return sorted(methods)


def http_error_response(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """The error-shape response for a Starlette/FastAPI ``HTTPException``."""
    code = _STATUS_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 404 and message == "Not Found":
        message = f"no route for {request.method} {request.url.path}"
    if exc.status_code == 405 and "app" in request.scope:
        allowed = ", ".join(allowed_methods(request)) or headers.get("Allow")
        if allowed:
            headers["Allow"] = allowed
            message = f"{request.method} is not allowed on {request.url.path}; use {allowed}"
    return JSONResponse(
        error_body(code, message, getattr(exc, "details", None)),
        status_code=exc.status_code,
        headers=headers or None,
    )


# Answers a 404 with a page of its own (the web console's, for a browser), or None to leave
# it to the JSON error. Passed in by the app factory: this module knows nothing of the console.
NotFoundPage = Callable[[Request], Awaitable[Response | None]]


def _http_error_handler(
    not_found_page: NotFoundPage | None,
) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404 and not_found_page is not None:
            page = await not_found_page(request)
            if page is not None:
                return page
        return http_error_response(request, exc)

    return http_error


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    first = details[0] if details else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"])
    message = f"{where}: {first['msg']}" if where else str(first["msg"])
    return JSONResponse(error_body("validation_error", message, details), status_code=422)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception(
        "unhandled error on %s %s (request id %s)",
        request.method,
        request.url.path,
        _request_id(request),
    )
    # Answered by Starlette's outermost error middleware, past our header middleware: add the
    # request id and the security headers here.
    settings = getattr(request.app.state, "settings", None)
    production = settings is not None and settings.environment == "production"
    return JSONResponse(
        error_body("internal_error", "internal server error", {"request_id": _request_id(request)}),
        status_code=500,
        headers={"X-Request-ID": _request_id(request), **baseline_headers(production=production)},
    )


DATA_ERROR_MESSAGE = "a value could not be stored (out of range or contains unsupported characters)"


def is_data_error(exc: DBAPIError) -> bool:
    """Whether the database refused a *value* (SQLSTATE class 22, "data exception").

    psycopg and sqlite3 raise :class:`sqlalchemy.exc.DataError`; asyncpg's errors reach
    SQLAlchemy as a plain ``DBAPIError`` whose driver error carries the SQLSTATE (a value out of
    the parameter's range is "22000", a NUL in text "22021").
    """
    if isinstance(exc, DataError):
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return isinstance(sqlstate, str) and sqlstate.startswith("22")


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    # The request's transaction is rolled back by the session dependency either way.
    assert isinstance(exc, DBAPIError)
    if is_database_busy(exc):
        return await _database_overloaded(request, exc)
    if not is_data_error(exc):
        return await _unexpected_error(request, exc)  # a real failure: logged, generic 500
    logger.warning(
        "database refused a value on %s %s (request id %s): %s",
        request.method,
        request.url.path,
        _request_id(request),
        type(exc.orig).__name__,
    )
    return JSONResponse(error_body("validation_error", DATA_ERROR_MESSAGE), status_code=422)


# Seconds a client is asked to wait after a 503 for an overloaded database.
SQLITE_BUSY = 5  # the primary result code of "database is locked"


def is_database_busy(exc: DBAPIError) -> bool:
    """Whether SQLite gave up waiting for its write lock (the busy timeout ran out)."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == SQLITE_BUSY


async def _database_overloaded(request: Request, exc: Exception) -> JSONResponse:
    """503 with ``Retry-After``: no database connection came free within the pool timeout (or
    SQLite's write lock within its busy timeout).

    An overload (a burst bigger than the server takes), not a bug: the client may retry.
    """
    logger.warning(
        "database overloaded (%s) on %s %s (request id %s)",
        type(exc).__name__,
        request.method,
        request.url.path,
        _request_id(request),
    )
    return await _app_error(request, database_overloaded_error())


def install_error_handlers(app: FastAPI, *, not_found_page: NotFoundPage | None = None) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler(not_found_page))
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_overloaded)
    app.add_exception_handler(Exception, _unexpected_error)
