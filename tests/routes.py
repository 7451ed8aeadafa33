"""Every route the app registers, flattened across included routers.

The walk itself is :func:`peerpear.routing.iter_routes` (nested or flat routers, by FastAPI
version). Tests that must cover every route (the authorization matrix, the bad-input walk) use
this one helper.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from peerpear.routing import iter_routes

# The documentation routes (and the docs' static assets), deliberately outside the per-route
# tests; tests/test_security_headers.py covers them. Likewise the console's own static files
# (/static: public CSS), which tests/web covers.
DOC_ROUTES = {
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/docs-assets",
    "/docs-assets/redoc.standalone.js",
    "/static",
}


def _template(path: str) -> str:
    """The path as documented: ``{org_id}``, not the route's ``{org_id:int}``."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def _flat(app: FastAPI) -> Iterable[tuple[str, set[str], Any]]:
    for ctx in iter_routes(app.routes):
        path = _template(getattr(ctx, "path", None) or "")
        yield path, set(getattr(ctx, "methods", None) or ()), ctx.original_route


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
    """The API routes among :func:`all_routes` (probes included), not the web console's pages
    (outside the API document; tests/web covers them, bad input included)."""
    return [
        (m, p, r)
        for m, p, r in all_routes(app)
        if isinstance(r, APIRoute) and m != "OPTIONS" and r.include_in_schema
    ]
