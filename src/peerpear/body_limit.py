"""Request body limits, enforced before anything parses the body (pure ASGI middleware).

Without a limit, one 50 MB JSON list kept the event loop busy parsing for 22 seconds. A body
is refused with 413 (in the error shape) when its ``Content-Length`` says it is too large, and
while it streams in when there is no length (chunked transfer): the received bytes are counted
and reading stops at the limit. Uploads get their own, larger limit, but only on the routes
that take them: a multipart body to a route that declares form or file parameters
(``Form()``, ``File()``, ``UploadFile``). Any other body, multipart or not, anywhere else, has
the JSON limit: a large multipart body sent to a JSON route is no upload.

The limit is also what keeps parsing short: the slowest 1 MiB of JSON (half a million tiny
values) parses in about 35-55 ms on a loaded 2-core machine. Moving ``json.loads`` to a thread
would not free the event loop, since it holds the GIL throughout; the bound is the remedy.

FastAPI has a built-in ``max_body_size``, but it fixes the limit per route at import time and
answers 413 in its own shape; here the limits come from the settings and the content type.
"""

from __future__ import annotations

from fastapi import params
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from peerpear.error_handlers import PayloadTooLarge, http_error_response


def takes_uploads(route: object) -> bool:
    """Whether the route declares form or file parameters (FastAPI makes its body a Form,
    of which File is a kind)."""
    body = getattr(route, "body_field", None) if isinstance(route, APIRoute) else None
    return body is not None and isinstance(body.field_info, params.Form)


def _route_takes_uploads(scope: Scope) -> bool:
    # Looked up per multipart request only (rare), so routes added later are seen too.
    app = scope.get("app")
    for route in getattr(getattr(app, "router", None), "routes", ()):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return takes_uploads(route)
    return False


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, json_limit: int, upload_limit: int) -> None:
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit

    def _limit_for(self, scope: Scope, headers: Headers) -> int:
        content_type = headers.get("content-type", "").lower()
        if content_type.startswith("multipart/") and _route_takes_uploads(scope):
            return self.upload_limit
        return self.json_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _has_no_body(scope):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self._limit_for(scope, headers)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, PayloadTooLarge(limit))
            return

        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except PayloadTooLarge as exc:
            # Reached only when the body was read outside FastAPI's request handling, which
            # renders the 413 itself.
            if response_started:
                raise
            await self._refuse(scope, receive, send, exc)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, exc: PayloadTooLarge) -> None:
        response = http_error_response(Request(scope), exc)
        # The rest of the body is not read; the client should not reuse the connection.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


_FRAMING = (b"content-length", b"transfer-encoding")


def _has_no_body(scope: Scope) -> bool:
    """HTTP/1.x framing: a request with neither header has no body (most GETs), so there is
    nothing to count."""
    if not scope.get("http_version", "").startswith("1"):
        return False
    return not any(name in _FRAMING for name, _ in scope["headers"])
