"""Walking the app's routes, across FastAPI versions.

Newer FastAPI releases keep included routers nested (``app.routes`` holds the routers) and walk
them with ``fastapi.routing.iter_route_contexts``; older ones flatten included routes into
``app.routes``. Either way each item yielded here has the route's ``path_format``, ``methods``,
``matches(scope)`` and ``original_route`` (the route object the router declared).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import fastapi.routing
from starlette.routing import BaseRoute


class _FlatRoute:
    """An older FastAPI's flat route, seen through the same attributes as a RouteContext."""

    def __init__(self, route: BaseRoute) -> None:
        self.original_route = route

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original_route, name)


def iter_routes(routes: Sequence[BaseRoute]) -> Iterator[Any]:
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    if walk is None:
        yield from (_FlatRoute(route) for route in routes)
        return
    yield from walk(routes)
