"""The OpenAPI document, made to say what the server really does.

FastAPI documents each route's success answer and a 422 in its own ``HTTPValidationError``
shape, which this server never sends. :func:`install_openapi` builds the document once per app
and then, for every operation, from what the route declares and depends on:

- documents the error answers every route of its kind can give, in the one error shape
  (:class:`ErrorResponse`): 422 for any input, 400 and 413 for a body (unreadable; over
  ``PEERPEAR_MAX_BODY_BYTES``), 401 with ``WWW-Authenticate`` where a signed-in user is required
  (the :func:`~peerpear.auth.deps.current_user` dependency), 404 where the path holds ids;
- gives the error shape to the statuses a route declares itself with ``responses=errors(...)``
  (403, 409, 429, 503: specific to the route, so declared next to it), with ``Retry-After`` on
  429 and ``Location`` on redirects;
- marks authentication optional where a route reads the session but does not require one;
- states the constraints that come from settings (the password's minimum length).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from peerpear.auth.deps import current_user, optional_user, request_token, session_cookie
from peerpear.config import Settings
from peerpear.routing import iter_routes

REF_PREFIX = "#/components/schemas/"


class ErrorInfo(BaseModel):
    code: str = Field(description="Stable and machine-readable, e.g. `not_found`.")
    message: str = Field(description="What went wrong, for people.")
    details: Any = Field(
        description="More about it, or null: for a validation error, the list of failing fields "
        "(`loc`, `msg`, `type`)."
    )


class ErrorResponse(BaseModel):
    """Every error answer of the API (4xx and 5xx) has this shape."""

    error: ErrorInfo


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The request body could not be read (for example, not UTF-8).",
    401: "Not signed in, or the session is invalid, expired or revoked.",
    403: "Signed in, but not allowed to do this.",
    404: "Not found, or not visible to the caller.",
    409: "Conflicts with the current state (the message says how).",
    410: "No longer usable (revoked, expired or used up); `details.reason` says which.",
    413: "The request body is larger than the server accepts (`PEERPEAR_MAX_BODY_BYTES`).",
    415: "The uploaded file's content is not of a type this route accepts.",
    422: "The request is invalid: a parameter or the body fails validation.",
    429: "Too many attempts; try again after `Retry-After` seconds.",
    503: "A service this request needs (the database, the CAS server) is unavailable.",
}

_RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
_RETRY_AFTER_IF_KNOWN = {**_RETRY_AFTER, "required": False}
_WWW_AUTHENTICATE = {
    "description": "How to authenticate: `Bearer`.",
    "required": True,
    "schema": {"type": "string"},
}
_LOCATION = {
    "description": "Where the browser goes next.",
    "required": True,
    "schema": {"type": "string"},
}


def errors(*codes: int, why: dict[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for the error statuses specific to one route (403, 409, 429, 503, ...),
    described in general or, for the codes in ``why``, as the route words it.

    Only the description is set here; :func:`install_openapi` gives each the error shape.
    The statuses every route of a kind answers (401, 404, 422, ...) are added for you.
    """
    why = why or {}
    return {code: {"description": why.get(code, ERROR_DESCRIPTIONS[code])} for code in codes}


def _api_routes(app: FastAPI) -> Iterator[tuple[str, set[str], APIRoute]]:
    """(path as documented, methods, route) for every documented API route."""
    for ctx in iter_routes(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            yield ctx.path_format, set(ctx.methods or ()), route


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


class _RouteFacts:
    """What the route's signature says about the errors it can answer."""

    def __init__(self, route: APIRoute, path: str) -> None:
        tree = list(_dependants(route.dependant))
        calls = {d.call for d in tree}
        self.has_body = route.body_field is not None
        self.has_path_params = any(d.path_params for d in tree)  # ids, all of them
        self.has_input = self.has_body or any(
            d.path_params or d.query_params or d.header_params or d.cookie_params for d in tree
        )
        self.requires_user = current_user in calls
        self.session_user = self.requires_user or optional_user in calls
        self.reads_session = self.session_user or request_token in calls
        # Every API route reads the database, so any of them can meet an exhausted pool or a
        # locked SQLite file (503 with Retry-After, errors.py).
        self.uses_database = path.startswith("/api/")


def _error_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"{REF_PREFIX}ErrorResponse"}}}


_FASTAPI_422_REF = f"{REF_PREFIX}HTTPValidationError"


def _document_operation(operation: dict[str, Any], facts: _RouteFacts) -> None:
    responses: dict[str, Any] = operation["responses"]
    # FastAPI's own 422 describes its HTTPValidationError shape; ours replaces it.
    fastapi_422 = responses.get("422", {}).get("content", {}).get("application/json", {})
    if fastapi_422.get("schema", {}).get("$ref") == _FASTAPI_422_REF:
        del responses["422"]
    central: list[int] = []
    if facts.has_input:
        central.append(422)
    if facts.has_body:
        central += [400, 413]
    if facts.requires_user:
        central.append(401)
    if facts.has_path_params:
        central.append(404)
    if facts.uses_database:
        central.append(503)
    for code in central:
        responses.setdefault(str(code), {"description": ERROR_DESCRIPTIONS[code]})
    if facts.requires_user:
        responses["401"].setdefault("headers", {})["WWW-Authenticate"] = _WWW_AUTHENTICATE

    for status, response in responses.items():
        if not status.isdigit():
            continue
        code = int(status)
        if code >= 400:
            response["content"] = _error_content()
        if code == 429:
            response.setdefault("headers", {})["Retry-After"] = _RETRY_AFTER
        if code == 503:  # an overloaded database says when to retry; an unreachable CAS cannot
            response.setdefault("headers", {}).setdefault("Retry-After", _RETRY_AFTER_IF_KNOWN)
        if 300 <= code < 400:
            response.pop("content", None)
            response.setdefault("headers", {})["Location"] = _LOCATION
    if facts.session_user:
        _add_cookie_scheme(operation)
    if facts.reads_session and not facts.requires_user and operation.get("security"):
        operation["security"] = [{}, *operation["security"]]  # {}: anonymous is fine too
    operation["responses"] = dict(sorted(responses.items()))


_COOKIE_SCHEME = session_cookie.scheme_name


def _add_cookie_scheme(operation: dict[str, Any]) -> None:
    """The session user dependency is the bearer scheme, which also reads the cookie: document
    the cookie scheme beside it, as FastAPI does for a route that depends on both."""
    security: list[dict[str, list[str]]] = operation.setdefault("security", [])
    if {_COOKIE_SCHEME: []} not in security:
        security.append({_COOKIE_SCHEME: []})


def _document_settings(document: dict[str, Any], settings: Settings) -> None:
    """Constraints that depend on the server's settings (FastAPI's schema knows none)."""
    schemas = document["components"]["schemas"]
    for schema, field in (
        ("SignupIn", "password"),
        ("PasswordResetConfirmIn", "password"),
        ("PasswordChangeIn", "new_password"),
    ):
        schemas[schema]["properties"][field]["minLength"] = settings.min_password_length


def complete_document(
    document: dict[str, Any], app: FastAPI, settings: Settings, path_order: list[str] | None = None
) -> None:
    """Add the error answers, headers and settings-dependent constraints to ``document``; list
    its paths in ``path_order`` (the routers' documented order, which need not be the order the
    app matches them in), any others after them."""
    paths: dict[str, dict[str, Any]] = document["paths"]
    if path_order is not None:
        rank = {path: n for n, path in enumerate(dict.fromkeys(path_order))}
        paths = document["paths"] = dict(
            sorted(paths.items(), key=lambda item: rank.get(item[0], len(rank)))
        )
    for path, methods, route in _api_routes(app):
        facts = _RouteFacts(route, path)
        for method in methods:
            operation = paths.get(path, {}).get(method.lower())
            if operation is not None:
                _document_operation(operation, facts)
    schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes.setdefault(
        _COOKIE_SCHEME, session_cookie.model.model_dump(by_alias=True, exclude_none=True)
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    error_schema = ErrorResponse.model_json_schema(ref_template=REF_PREFIX + "{model}")
    schemas.update(error_schema.pop("$defs"))
    schemas["ErrorResponse"] = error_schema
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    _document_settings(document, settings)


def install_openapi(app: FastAPI, settings: Settings, path_order: list[str] | None = None) -> None:
    """Serve the completed document at ``app.openapi_url`` (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = FastAPI.openapi(app)
            complete_document(document, app, settings, path_order)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way
