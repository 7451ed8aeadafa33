"""Every route the app registers, flattened across included routers.

Newer FastAPI releases keep included routers nested (``app.routes`` holds the routers, not their
routes) and expose ``fastapi.routing.iter_route_contexts`` to walk them; older releases flatten
into ``app.routes``. Tests that must cover every route (the authorization matrix, the bad-input
walk) use this one helper.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.routing import APIRoute

# The documentation routes (and the docs' static assets), deliberately outside the per-route
# tests; tests/test_security_headers.py covers them.
DOC_ROUTES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/docs-assets"}


def _flat(app: FastAPI) -> Iterable[tuple[str, set[str], Any]]:
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    if walk is None:  # older FastAPI: included routes are already flat
        for route in app.routes:
            yield getattr(route, "path", ""), set(getattr(route, "methods", None) or ()), route
        return
    for ctx in walk(app.routes):
        yield ctx.path or "", set(ctx.methods or ()), ctx.original_route


def all_routes(app: FastAPI) -> list[tuple[str, str, Any]]:
    """(method, path template, route) for every route but the docs, HEAD folded into GET.

    A route without methods (a mount, a websocket) appears with method "?" so that a test
    covering every route has to decide about it explicitly.
    """
    found: list[tuple[str, str, Any]] = []
    for path, methods, route in _flat(app):
        if path in DOC_ROUTES:
            continue
        if not methods:
            found.append(("?", path, route))
        found.extend((m, path, route) for m in methods if m != "HEAD" or "GET" not in methods)
    return sorted(found, key=lambda item: (item[1], item[0]))


def registered_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """The API routes among :func:`all_routes` (probes included)."""
    return [(m, p, r) for m, p, r in all_routes(app) if isinstance(r, APIRoute) and m != "OPTIONS"]
