"""Security headers on every response (added by :mod:`peerpear.middleware`).

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

from starlette.types import Scope

API_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=63072000; includeSubDomains"
_BASELINE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

RawHeaders = list[tuple[bytes, bytes]]


def _raw(name: str, value: str) -> tuple[bytes, bytes]:
    return name.lower().encode("latin-1"), value.encode("latin-1")


# The raw (name, value) pairs, encoded once: this runs on every response.
_BASELINE_RAW = [_raw(name, value) for name, value in _BASELINE.items()]
_ALWAYS_SET = frozenset(name for name, _ in _BASELINE_RAW)
_CSP_RAW = _raw("Content-Security-Policy", API_CSP)
_NO_STORE_RAW = _raw("Cache-Control", "no-store")
_HSTS_RAW = _raw("Strict-Transport-Security", HSTS)
_CREDENTIALS = (b"authorization", b"cookie")


def baseline_headers(*, production: bool) -> dict[str, str]:
    """The headers every response gets (also used by the 500 handler, which answers outside
    the middleware stack)."""
    headers = {**_BASELINE, "Content-Security-Policy": API_CSP, "Cache-Control": "no-store"}
    if production:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def _carries_credentials(scope: Scope) -> bool:
    return any(name in _CREDENTIALS for name, _ in scope["headers"])


def with_security_headers(headers: RawHeaders, scope: Scope, *, production: bool) -> RawHeaders:
    """The response's raw ``headers`` with the security headers set (see the module doc)."""
    names = {name.lower() for name, _ in headers}
    overwritten = (_ALWAYS_SET | {_HSTS_RAW[0]}) if production else _ALWAYS_SET
    if not names.isdisjoint(overwritten):
        headers = [(name, value) for name, value in headers if name.lower() not in overwritten]
    headers.extend(_BASELINE_RAW)
    if b"content-security-policy" not in names:
        headers.append(_CSP_RAW)
    if b"cache-control" not in names and (
        scope["path"].startswith("/api/") or b"set-cookie" in names or _carries_credentials(scope)
    ):
        headers.append(_NO_STORE_RAW)
    if production:
        headers.append(_HSTS_RAW)
    return headers
