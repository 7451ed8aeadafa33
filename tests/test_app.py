"""The service foundation: probes, docs, the error shape, request ids."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from peerpear.config import Settings
from peerpear.errors import Conflict


async def test_health_and_ready(client: httpx.AsyncClient) -> None:
    health = await client.get("/health")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


async def test_openapi_docs(client: httpx.AsyncClient) -> None:
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    schema = (await client.get("/openapi.json")).json()
    assert "/health" in schema["paths"] and "/ready" in schema["paths"]


async def test_unknown_route_has_error_shape(client: httpx.AsyncClient) -> None:
    resp = await client.get("/api/v1/no-such-thing")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "not_found"
    assert "/api/v1/no-such-thing" in resp.json()["error"]["message"]


async def test_wrong_method_has_error_shape(client: httpx.AsyncClient) -> None:
    resp = await client.post("/health")
    assert resp.status_code == 405
    assert resp.json()["error"]["code"] == "method_not_allowed"


class _Body(BaseModel):
    name: str
    size: int


def _add_probe_routes(app: FastAPI) -> None:
    @app.post("/api/v1/_probe")
    async def probe(body: _Body) -> dict[str, int]:
        if body.name == "taken":
            raise Conflict("name already taken", details={"name": body.name})
        if body.name == "boom":
            raise RuntimeError("secret internal detail")
        return {"size": body.size}


async def test_validation_error_shape(app: FastAPI, client: httpx.AsyncClient) -> None:
    _add_probe_routes(app)
    resp = await client.post("/api/v1/_probe", json={"name": "x", "size": "big"})
    assert resp.status_code == 422
    err = resp.json()["error"]
    assert err["code"] == "validation_error"
    assert err["details"][0]["loc"] == ["body", "size"]
    assert "body.size" in err["message"]
    malformed = await client.post(
        "/api/v1/_probe", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422
    assert malformed.json()["error"]["code"] == "validation_error"


async def test_app_error_and_unexpected_error(app: FastAPI, client: httpx.AsyncClient) -> None:
    _add_probe_routes(app)
    conflict = await client.post("/api/v1/_probe", json={"name": "taken", "size": 1})
    assert conflict.status_code == 409
    assert conflict.json()["error"] == {
        "code": "conflict",
        "message": "name already taken",
        "details": {"name": "taken"},
    }
    boom = await client.post(
        "/api/v1/_probe", json={"name": "boom", "size": 1}, headers={"X-Request-ID": "req-42"}
    )
    assert boom.status_code == 500
    body = boom.json()["error"]
    assert body["code"] == "internal_error" and "secret" not in boom.text
    assert body["details"] == {"request_id": "req-42"}


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    generated = await client.get("/health")
    assert len(generated.headers["X-Request-ID"]) == 32
    unsafe = await client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["X-Request-ID"] != "bad id\twith spaces"


def test_production_refuses_default_secret() -> None:
    with pytest.raises(ValueError, match="PEERPEAR_SECRET_KEY"):
        Settings(environment="production")
    with pytest.raises(ValueError, match="PEERPEAR_SECRET_KEY"):
        Settings(environment="production", secret_key="")
    with pytest.raises(ValueError, match="PEERPEAR_SECRET_KEY"):
        Settings(environment="test")
    assert Settings(environment="production", secret_key="s" * 40).secret_key == "s" * 40
    assert Settings(environment="development").environment == "development"
