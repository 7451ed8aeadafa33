"""HEAD on the console's pages, answered as GET without the body (RFC 9110 §9.3.2).

FastAPI's routes accept only the methods they declare, so a HEAD for a page (link checkers,
monitors, ``curl -I``) would get 405. Rather than declaring HEAD on every page route, this
layer runs the GET and drops its body, keeping the headers (Content-Length included). The API
under ``/api/`` is left as it is documented: its routes answer only their own methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the console's helpers load no web framework (test_layering)
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PATHS = "/api/"


def is_api_path(path: str) -> bool:
    """Whether the path is the API's (which answers as documented, in JSON), not the console's."""
    return path == API_PATHS.rstrip("/") or path.startswith(API_PATHS)


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or is_api_path(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
            elif not message.get("more_body", False):  # the end of the response, empty
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        # A copy: the server keeps its own scope saying HEAD, so it sends no body either.
        await self.app({**scope, "method": "GET"}, receive, send_without_body)
