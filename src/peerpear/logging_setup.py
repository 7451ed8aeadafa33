"""One logger setup for the whole process: plain text or JSON lines, chosen by a setting."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; json.dumps escapes control characters (and, with ASCII output,
    the Unicode line separators), so no value can break a line."""

    _EXTRA_KEYS = ("method", "path", "status", "latency_ms", "client")

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key in self._EXTRA_KEYS:
            if hasattr(record, key):
                payload[key] = getattr(record, key)
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

# Control characters (C0, DEL, C1), the Unicode line and paragraph separators, and the backslash
# that introduces the escapes, so an escaped line cannot be mistaken for an unescaped one.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\\]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == ord("\\"):
        return "\\\\"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_control(text: str) -> str:
    r"""``text`` on one line: control characters become ``\xNN`` / ``\uNNNN`` escapes.

    Trailing line breaks are dropped first: a message that merely ends its line (uvicorn's
    "Exception in ASGI application\n") is not a forgery and should not end in ``\x0a``."""
    return _UNSAFE.sub(_escape, text.rstrip("\r\n"))


class PlainFormatter(logging.Formatter):
    """One record, one line: a message cannot start a forged line with an embedded newline
    (a ``%0a`` in a request path, say). A traceback still follows on its own lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_control(record.message)
        return super().formatMessage(record)


def configure_logging(level: str = "INFO", fmt: str = "plain") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else PlainFormatter(PLAIN_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_peerpear", False):
            root.removeHandler(old)
    handler._peerpear = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # No format here shows the thread or process, so records need not look them up (the
    # logging HOWTO's "Optimization"): the access log writes one on every request.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    # Our access line replaces uvicorn's, which lacks the request id.
    logging.getLogger("uvicorn.access").disabled = True
