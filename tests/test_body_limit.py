"""Request bodies over the limit answer 413 (error shape) before anything parses them; lists in
bodies are capped by the schemas; a large allowed body does not hold up other requests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, UploadFile
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message, Scope

from peerpear.me.schemas import MAX_HOBBIES
from tests.factories import auth_headers, create_user

BULK = "/api/v1/admin-requests/bulk"
MIB = 1024 * 1024


def _ids_body(size: int) -> bytes:
    """A JSON body of about ``size`` bytes: the bulk request with a long list of ids."""
    count = size // 8
    return json.dumps({"organization_ids": list(range(1_000_000, 1_000_000 + count))}).encode()


def _assert_too_large(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert error["code"] == "payload_too_large"
    assert error["details"] == {"limit_bytes": limit}
    assert "1 MiB" in error["message"] or str(limit) in error["message"]


async def test_oversized_content_length_is_refused_without_reading_the_body(app: FastAPI) -> None:
    """The declared length alone decides: the app never receives a byte of the body."""
    received: list[Message] = []
    sent: list[Message] = []

    async def receive() -> Message:
        message: Message = {"type": "http.request", "body": b"[" * 1024, "more_body": True}
        received.append(message)
        return message

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": BULK,
        "raw_path": BULK.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"test"),
            (b"content-type", b"application/json"),
            (b"content-length", str(50 * MIB).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }
    await app(scope, receive, send)
    assert received == []
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    body = json.loads(
        b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    )
    assert body["error"]["code"] == "payload_too_large"


async def test_oversized_json_body_answers_413(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await auth_headers(session, await create_user(session))
    body = _ids_body(MIB + 4096)
    response = await client.post(
        BULK, content=body, headers={**headers, "Content-Type": "application/json"}
    )
    _assert_too_large(response, MIB)
    # Anonymous callers get the same answer: the limit comes before authentication.
    anonymous = await client.post(BULK, content=body, headers={"Content-Type": "application/json"})
    _assert_too_large(anonymous, MIB)


async def test_chunked_body_is_cut_off_at_the_limit(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """Without Content-Length the bytes are counted as they arrive; reading stops at the limit
    instead of taking in the whole stream."""
    headers = await auth_headers(session, await create_user(session))
    chunk = b" " * (64 * 1024)  # JSON whitespace: a valid prefix however much of it is read
    sent_chunks = 0

    async def stream() -> AsyncIterator[bytes]:
        nonlocal sent_chunks
        yield b'{"organization_ids": ['
        for _ in range(10 * MIB // len(chunk)):
            sent_chunks += 1
            yield chunk
        yield b"1]}"

    response = await client.post(
        BULK, content=stream(), headers={**headers, "Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    _assert_too_large(response, MIB)
    assert sent_chunks <= MIB // len(chunk) + 2  # stopped right after the limit, not at 10 MiB


async def test_a_body_under_the_limit_still_works(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await auth_headers(session, await create_user(session))
    response = await client.post(BULK, json={"organization_ids": [1]}, headers=headers)
    assert response.status_code == 200, response.text


UPLOAD = "/_probe/upload"


@pytest.fixture
def upload_route(app: FastAPI) -> str:
    """A route that takes a file, as the upload routes (event images, CSV imports) will."""

    async def upload(file: UploadFile) -> dict[str, int]:
        return {"size": len(await file.read())}

    app.router.add_api_route(UPLOAD, upload, methods=["POST"])
    return UPLOAD


@pytest.mark.parametrize("settings_overrides", [{"max_body_bytes": 64 * 1024}])
async def test_limit_comes_from_the_settings_and_upload_routes_have_their_own(
    client: httpx.AsyncClient, session: AsyncSession, upload_route: str
) -> None:
    headers = await auth_headers(session, await create_user(session))
    json_body = _ids_body(100 * 1024)
    too_large = await client.post(
        BULK, content=json_body, headers={**headers, "Content-Type": "application/json"}
    )
    _assert_too_large(too_large, 64 * 1024)
    # The same size as a file, to a route that takes files, is under the (20 MiB) upload limit.
    upload = await client.post(upload_route, files={"file": ("ids.csv", json_body, "text/csv")})
    assert upload.status_code == 200, upload.text
    assert upload.json() == {"size": len(json_body)}


@pytest.mark.parametrize("settings_overrides", [{"max_body_bytes": 64 * 1024}])
async def test_a_multipart_body_to_a_json_route_has_the_json_limit(
    client: httpx.AsyncClient, session: AsyncSession, upload_route: str
) -> None:
    """Only routes that declare form or file parameters take uploads: anywhere else a multipart
    body is refused at the JSON limit, before anything parses it (it used to get the 20 MiB
    upload limit on every route)."""
    headers = await auth_headers(session, await create_user(session))
    body = b"x" * (100 * 1024)
    for path in (BULK, "/api/v1/me/profile", "/api/v1/nowhere"):
        response = await client.post(
            path, files={"file": ("big.csv", body, "text/csv")}, headers=headers
        )
        _assert_too_large(response, 64 * 1024)


@pytest.mark.parametrize("settings_overrides", [{"max_upload_bytes": 64 * 1024}])
async def test_oversized_upload_answers_413(client: httpx.AsyncClient, upload_route: str) -> None:
    upload = await client.post(
        upload_route, files={"file": ("big.csv", b"x" * (100 * 1024), "text/csv")}
    )
    _assert_too_large(upload, 64 * 1024)


async def test_health_answers_while_a_large_body_is_still_arriving(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """A large (allowed) request in progress does not hold the server: /health answers while
    its body is still streaming in, and the large request completes afterwards."""
    headers = await auth_headers(session, await create_user(session))
    health_answered = asyncio.Event()
    ids = list(range(1, 101))
    payload = json.dumps({"organization_ids": ids, "message": ""}).encode()
    padding = b" " * (900 * 1024)  # just under the 1 MiB limit in total

    async def slow_body() -> AsyncIterator[bytes]:
        yield payload[:-1]
        yield padding[: len(padding) // 2]
        await health_answered.wait()  # the rest only arrives once /health has answered
        yield padding[len(padding) // 2 :]
        yield payload[-1:]

    large = asyncio.create_task(
        client.post(
            BULK, content=slow_body(), headers={**headers, "Content-Type": "application/json"}
        )
    )
    health = await asyncio.wait_for(client.get("/health"), timeout=10)
    assert health.status_code == 200
    assert not large.done()
    health_answered.set()
    response = await asyncio.wait_for(large, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["skipped"] == 100  # none of the ids exist


async def test_list_caps_answer_422(client: httpx.AsyncClient, session: AsyncSession) -> None:
    headers = await auth_headers(session, await create_user(session))
    bulk = await client.post(BULK, json={"organization_ids": list(range(1, 102))}, headers=headers)
    assert bulk.status_code == 422
    assert bulk.json()["error"]["details"][0]["loc"] == ["body", "organization_ids"]
    hobbies = [f"hobby {n}" for n in range(MAX_HOBBIES + 1)]
    profile = await client.put("/api/v1/me/profile", json={"hobbies": hobbies}, headers=headers)
    assert profile.status_code == 422
    assert profile.json()["error"]["details"][0]["loc"] == ["body", "hobbies"]
