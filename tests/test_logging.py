"""One access line per request with status, latency and request id; JSON lines on request."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from peerpear.logging_setup import (
    PLAIN_FORMAT,
    JsonFormatter,
    PlainFormatter,
    configure_logging,
    request_id_var,
)


async def test_access_line_per_request(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="peerpear.access")
    await client.get("/api/v1/missing", headers={"X-Request-ID": "trace-1"})
    lines = [r for r in caplog.records if r.name == "peerpear.access"]
    assert len(lines) == 1
    record = lines[0]
    assert record.__dict__["status"] == 404
    assert record.__dict__["path"] == "/api/v1/missing"
    assert record.__dict__["latency_ms"] >= 0
    assert "404" in record.getMessage()


def test_json_formatter_carries_request_id_and_fields() -> None:
    token = request_id_var.set("rid-7")
    try:
        record = logging.LogRecord(
            "peerpear.access", logging.INFO, __file__, 1, "GET / 200", (), None
        )
        record.status = 200
        record.latency_ms = 1.5
        record.request_id = request_id_var.get()
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["request_id"] == "rid-7"
    assert line["status"] == 200 and line["latency_ms"] == 1.5
    assert line["level"] == "INFO" and line["message"] == "GET / 200"


@pytest.mark.parametrize("fmt", ["plain", "json"])
async def test_control_characters_cannot_forge_a_log_line(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """A ``%0a`` in the path (decoded to a newline before the app sees it) stays inside its own
    access line, escaped, in both formats."""
    configure_logging("INFO", fmt)
    try:
        capsys.readouterr()
        forged = "2026-01-01 00:00:00,000 INFO peerpear.access [-] GET /admin 200"
        await client.get("/api/v1/x%0a" + forged.replace(" ", "%20") + "%0d%1b[2J")
        err = capsys.readouterr().err.splitlines()
        # Every line that looks like an access line (the forged one would too); httpx's own
        # request line, which quotes the URL still percent-encoded, is not one.
        lines = [line for line in err if "peerpear.access" in line and "HTTP Request" not in line]
    finally:
        configure_logging("WARNING", "plain")
    assert len(lines) == 1, lines
    assert "GET /admin 200" in lines[0]  # still there, but escaped on the one real line
    if fmt == "plain":
        assert "/api/v1/x\\x0a2026-01-01" in lines[0] and "\\x0d\\x1b[2J" in lines[0]
    else:
        record = json.loads(lines[0])
        assert record["path"].startswith("/api/v1/x\n2026-01-01")  # the value, intact


def test_plain_format_keeps_tracebacks_on_their_own_lines() -> None:
    formatter = PlainFormatter(PLAIN_FORMAT)
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "peerpear.errors",
            logging.ERROR,
            __file__,
            1,
            "failed on %s",
            ("/a\nb",),
            sys.exc_info(),
        )
    record.request_id = "-"
    text = formatter.format(record)
    assert text.splitlines()[0].endswith("failed on /a\\x0ab")
    assert "Traceback (most recent call last):" in text.splitlines()[1]


def test_a_trailing_line_break_is_dropped_not_escaped() -> None:
    # uvicorn logs "Exception in ASGI application\n": the newline ends the message, it forges
    # nothing, and must not show up as "\x0a" at the end of the line.
    formatter = PlainFormatter(PLAIN_FORMAT)
    record = logging.LogRecord(
        "uvicorn.error", logging.ERROR, __file__, 1, "Exception in ASGI application\n", (), None
    )
    record.request_id = "-"
    assert formatter.format(record).endswith("Exception in ASGI application")
    inner = logging.LogRecord("x", logging.INFO, __file__, 1, "a\nb\n", (), None)
    inner.request_id = "-"
    assert formatter.format(inner).endswith("a\\x0ab")
