"""Every (method, path, route) the app registers, flattened across included routers.

Newer FastAPI releases keep included routers nested (``app.routes`` holds the routers, not their
routes) and expose ``fastapi.routing.iter_route_contexts`` to walk them; older releases flatten
into ``app.routes``. Tests that must cover every route use this one helper.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.routing import APIRoute


def _flat(app: FastAPI) -> Iterable[tuple[str, set[str], Any]]:
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    if walk is None:  # older FastAPI: included routes are already flat
        for route in app.routes:
            yield getattr(route, "path", ""), set(getattr(route, "methods", None) or ()), route
        return
    for ctx in walk(app.routes):
        yield ctx.path or "", set(ctx.methods or ()), ctx.original_route


def registered_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """API routes (docs and OpenAPI pages excluded), one entry per method, sorted."""
    found = [
        (method, path, route)
        for path, methods, route in _flat(app)
        if isinstance(route, APIRoute)
        for method in methods - {"HEAD", "OPTIONS"}
    ]
    return sorted(found, key=lambda item: (item[1], item[0]))
