"""The service foundation: probes, docs, the error shape, request ids."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import DataError, DBAPIError

from peerpear.config import Settings
from peerpear.deps import SessionDep
from peerpear.errors import Conflict
from peerpear.main import create_app
from tests.conftest import make_settings


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
    assert resp.headers["allow"] == "GET"


async def test_wrong_method_allow_names_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    # GET /me and PATCH /me are two routes; Starlette's own 405 named only the first one's.
    resp = await client.delete("/api/v1/me")
    assert resp.status_code == 405
    assert resp.headers["allow"] == "GET, PATCH"
    assert "GET, PATCH" in resp.json()["error"]["message"]


async def test_wrong_method_on_a_fixed_path_beside_an_id_path_is_405(
    client: httpx.AsyncClient,
) -> None:
    # /organizations/joinable is GET only; PATCH used to reach PATCH /organizations/{org_id}
    # with org_id="joinable" and answer 422.
    resp = await client.patch("/api/v1/organizations/joinable", json={"name": "x"})
    assert resp.status_code == 405
    assert resp.headers["allow"] == "GET"
    # An id segment that is not a number names no resource.
    assert (await client.get("/api/v1/organizations/abc")).status_code == 404


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


class _DriverError(Exception):
    """Stands in for a driver's error carrying a SQLSTATE (as asyncpg's do)."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"driver error {sqlstate}: secret internal detail")
        self.sqlstate = sqlstate


async def test_values_the_database_refuses_are_422(app: FastAPI, client: httpx.AsyncClient) -> None:
    raised: dict[str, Exception] = {
        "data": DataError("INSERT ...", {}, Exception("secret internal detail")),
        "nul": DBAPIError("INSERT ...", {}, _DriverError("22021")),
        "range": DBAPIError("SELECT ...", {}, _DriverError("22000")),
        "other": DBAPIError("INSERT ...", {}, _DriverError("42P01")),
    }

    @app.post("/api/v1/_probe_db/{kind}")
    async def probe_db(kind: str) -> None:
        raise raised[kind]

    @app.post("/api/v1/_probe_nul")
    async def probe_nul(db: SessionDep) -> dict[str, Any]:
        # PostgreSQL cannot store NUL in text; SQLite can.
        value = await db.scalar(text("SELECT CAST(:value AS TEXT)"), {"value": "a\x00b"})
        return {"length": len(value or "")}

    for kind in ("data", "nul", "range"):
        resp = await client.post(f"/api/v1/_probe_db/{kind}")
        assert resp.status_code == 422, (kind, resp.text)
        assert resp.json()["error"] == {
            "code": "validation_error",
            "message": "a value could not be stored (out of range or contains unsupported "
            "characters)",
            "details": None,
        }
    other = await client.post("/api/v1/_probe_db/other")
    assert other.status_code == 500 and "secret" not in other.text

    real = await client.post("/api/v1/_probe_nul")
    if app.state.settings.is_sqlite:
        assert real.status_code == 200 and real.json() == {"length": 3}
    else:
        assert real.status_code == 422, real.text
        assert real.json()["error"]["code"] == "validation_error"
    # The failed transaction was rolled back; the next request works.
    assert (await client.get("/ready")).status_code == 200


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


def test_cors_wildcard_refused_and_listed_origins_allowed() -> None:
    with pytest.raises(ValueError, match="PEERPEAR_CORS_ORIGINS"):
        Settings(cors_origins=["*"])
    assert Settings(cors_origins=["https://app.example.edu"]).cors_origins == [
        "https://app.example.edu"
    ]


async def test_cors_headers_for_a_listed_origin(database_url: str) -> None:
    app = create_app(make_settings(database_url, cors_origins=["https://app.example.edu"]))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        allowed = await c.get("/health", headers={"Origin": "https://app.example.edu"})
        other = await c.get("/health", headers={"Origin": "https://evil.example.com"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.edu"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in other.headers
