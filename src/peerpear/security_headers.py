"""Security headers on every response (pure ASGI middleware).

- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``,
  ``X-Frame-Options: DENY``: never sniff, leak URLs to other sites, or be framed.
- ``Content-Security-Policy: default-src 'none'; frame-ancestors 'none'`` unless the route set
  its own (the docs pages do, allowing exactly what they load): an API answer is data, never a
  page that may run or load anything.
- ``Cache-Control: no-store`` unless the route set one, on every API answer, on anything that
  sets a cookie (the session) and on anything answering a request that carried credentials:
  tokens and personal data must not stay in browser or proxy caches.
- ``Strict-Transport-Security`` in production only (development runs on plain http).
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=63072000; includeSubDomains"
_BASELINE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def baseline_headers(*, production: bool) -> dict[str, str]:
    """The headers every response gets (also used by the 500 handler, which answers outside
    the middleware stack)."""
    headers = {**_BASELINE, "Content-Security-Policy": API_CSP, "Cache-Control": "no-store"}
    if production:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def _carries_credentials(scope: Scope) -> bool:
    request_headers = Headers(scope=scope)
    return "authorization" in request_headers or "cookie" in request_headers


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self.app = app
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _BASELINE.items():
                    headers[name] = value
                headers.setdefault("Content-Security-Policy", API_CSP)
                if "cache-control" not in headers and (
                    scope["path"].startswith("/api/")
                    or "set-cookie" in headers
                    or _carries_credentials(scope)
                ):
                    headers["Cache-Control"] = "no-store"
                if self.production:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)
