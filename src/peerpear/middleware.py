"""Request id and access logging as plain ASGI middleware (keeps contextvars intact)."""

from __future__ import annotations

import logging
import random
import re
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from peerpear.logging_setup import request_id_var

access_logger = logging.getLogger("peerpear.access")
# Accept a caller's id only when it is short and harmless to echo into logs and headers.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _new_request_id() -> str:
    # Only has to be unique, not unguessable: 128 random bits without uuid4's system call for
    # fresh entropy on every request.
    return f"{random.getrandbits(128):032x}"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else _new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            latency_ms = round((time.perf_counter() - started) * 1000, 1)
            client = scope.get("client")
            access_logger.info(
                "%s %s %s %.1fms",
                scope["method"],
                scope["path"],
                status,
                latency_ms,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "latency_ms": latency_ms,
                    "client": client[0] if client else None,
                },
            )
            request_id_var.reset(token)
