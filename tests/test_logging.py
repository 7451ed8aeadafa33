"""One access line per request with status, latency and request id; JSON lines on request."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from peerpear.logging_setup import JsonFormatter, request_id_var


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
