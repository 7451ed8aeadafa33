"""The outermost layer of every HTTP request, as plain ASGI middleware (keeps contextvars
intact): the request id, the security headers (:mod:`peerpear.security_headers`) and the
access log. One layer rather than one per job: each layer costs a wrapped ``send`` and a
header rewrite on every response."""

from __future__ import annotations

import logging
import random
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from peerpear.logging_setup import request_id_var
from peerpear.security_headers import with_security_headers

access_logger = logging.getLogger("peerpear.access")
# Accept a caller's id only when it is short and harmless to echo into logs and headers.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_REQUEST_ID = b"x-request-id"
_ACCESS_FORMAT = "%s %s %s %.1fms"


def _new_request_id() -> str:
    # Only has to be unique, not unguessable: 128 random bits without uuid4's system call for
    # fresh entropy on every request.
    return f"{random.getrandbits(128):032x}"


def _incoming_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == _REQUEST_ID:
            incoming = value.decode("latin-1")
            return incoming if _SAFE_ID.match(incoming) else _new_request_id()
    return _new_request_id()


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self.app = app
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        production = self.production

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (name, value)
                    for name, value in message.get("headers", ())
                    if name.lower() != _REQUEST_ID
                ]
                headers.append((_REQUEST_ID, request_id.encode("latin-1")))
                message["headers"] = with_security_headers(headers, scope, production=production)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            _log_access(scope, status, round((time.perf_counter() - started) * 1000, 1))
            request_id_var.reset(token)


def _log_access(scope: Scope, status: int, latency_ms: float) -> None:
    if not access_logger.isEnabledFor(logging.INFO):
        return
    client = scope.get("client")
    method, path = scope["method"], scope["path"]
    # makeRecord + handle is what Logger.info does, less looking up the caller's source line
    # (a walk up the stack that the access line never shows).
    record = access_logger.makeRecord(
        access_logger.name,
        logging.INFO,
        __file__,
        0,
        _ACCESS_FORMAT,
        (method, path, status, latency_ms),
        None,
        extra={
            "method": method,
            "path": path,
            "status": status,
            "latency_ms": latency_ms,
            "client": client[0] if client else None,
        },
    )
    access_logger.handle(record)
