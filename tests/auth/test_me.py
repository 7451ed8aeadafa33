"""``/me`` and ``/me/profile``: your own account and profile, with validation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import Profile
from tests.factories import auth_headers, create_user

ME = "/api/v1/me"
PROFILE = "/api/v1/me/profile"


@pytest.fixture
async def headers(session: AsyncSession) -> dict[str, str]:
    user = await create_user(session, "me@example.edu", first_name="Ann", last_name="Lee")
    return await auth_headers(session, user)


async def test_anonymous_is_401(client: httpx.AsyncClient) -> None:
    for method, path in (("GET", ME), ("PATCH", ME), ("GET", PROFILE), ("PUT", PROFILE)):
        resp = await client.request(method, path, json={})
        assert resp.status_code == 401, (method, path)
        assert resp.json()["error"]["code"] == "unauthorized"


async def test_get_and_patch_me(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    me = (await client.get(ME, headers=headers)).json()
    assert (me["email"], me["first_name"], me["last_name"]) == ("me@example.edu", "Ann", "Lee")
    assert me["is_platform_admin"] is False

    resp = await client.patch(ME, headers=headers, json={"first_name": "  Anna "})
    assert resp.status_code == 200
    assert (resp.json()["first_name"], resp.json()["last_name"]) == ("Anna", "Lee")
    assert (await client.get(ME, headers=headers)).json()["first_name"] == "Anna"


@pytest.mark.parametrize(
    "body",
    [
        {"first_name": ""},
        {"first_name": "x" * 101},
        {"first_name": "A\u0000nn"},
        {"last_name": "\u0000"},
        {"email": "other@example.edu"},
        {"is_platform_admin": True},
        {"id": 99},
    ],
)
async def test_patch_me_rejects(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]
) -> None:
    resp = await client.patch(ME, headers=headers, json=body)
    assert resp.status_code == 422, body
    assert resp.json()["error"]["code"] == "validation_error"
    me = (await client.get(ME, headers=headers)).json()
    assert me["email"] == "me@example.edu" and me["is_platform_admin"] is False
    if "email" in body:
        assert "cannot be changed" in resp.json()["error"]["message"]


async def test_profile_roundtrip(
    client: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
) -> None:
    empty = await client.get(PROFILE, headers=headers)
    assert empty.status_code == 200
    assert empty.json() | {"updated_at": None} == {
        "class_year": None,
        "major": None,
        "hobbies": [],
        "bio": "",
        "updated_at": None,
    }
    year = datetime.now(UTC).year + 2
    body = {
        "class_year": year,
        "major": " Computer Science ",
        "hobbies": ["Hiking", " hiking ", "Chess", "HIKING", "Cooking"],
        "bio": "  I like trains.  ",
    }
    put = await client.put(PROFILE, headers=headers, json=body)
    assert put.status_code == 200, put.text
    saved = put.json()
    assert saved["class_year"] == year
    assert saved["major"] == "Computer Science"
    assert saved["hobbies"] == ["Hiking", "Chess", "Cooking"]
    assert saved["bio"] == "I like trains."
    assert (await client.get(PROFILE, headers=headers)).json() == saved

    # PUT replaces the whole profile.
    replaced = await client.put(PROFILE, headers=headers, json={"major": ""})
    assert replaced.json()["class_year"] is None and replaced.json()["hobbies"] == []
    assert replaced.json()["major"] is None
    rows = (await session.scalars(select(Profile))).all()
    assert len(rows) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"class_year": 1850},
        {"class_year": datetime.now(UTC).year + 50},
        {"class_year": "soon"},
        {"hobbies": ["x"] * 21},
        {"hobbies": ["a" * 61]},
        {"hobbies": ["   "]},
        {"hobbies": ["chess", "hik\u0000ing"]},
        {"bio": "nul\u0000"},
        {"major": "CS\u0000"},
        {"hobbies": "hiking"},
        {"bio": "b" * 2001},
        {"major": "m" * 201},
        {"favourite_color": "green"},
    ],
)
async def test_profile_validation(
    client: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str], body: dict[str, Any]
) -> None:
    resp = await client.put(PROFILE, headers=headers, json=body)
    assert resp.status_code == 422, body
    error = resp.json()["error"]
    assert error["code"] == "validation_error" and error["details"]
    assert (await session.scalars(select(Profile))).first() is None


async def test_profiles_are_per_user(client: httpx.AsyncClient, session: AsyncSession) -> None:
    a = await auth_headers(session, await create_user(session))
    b = await auth_headers(session, await create_user(session))
    await client.put(PROFILE, headers=a, json={"major": "History"})
    assert (await client.get(PROFILE, headers=b)).json()["major"] is None
    assert (await client.get(PROFILE, headers=a)).json()["major"] == "History"


async def test_concurrent_first_profile_writes_all_succeed(
    client: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
) -> None:
    # Several tabs saving the first profile at once: one row, every request 200, last write wins.
    bodies = [{"major": f"Major {i}", "hobbies": [f"h{i}"]} for i in range(6)]
    results = await asyncio.gather(
        *(client.put(PROFILE, headers=headers, json=body) for body in bodies)
    )
    assert [r.status_code for r in results] == [200] * len(bodies), [r.text for r in results]
    for resp, body in zip(results, bodies, strict=True):
        assert resp.json()["major"] == body["major"] and resp.json()["hobbies"] == body["hobbies"]
    rows = (await session.scalars(select(Profile))).all()
    assert len(rows) == 1
    assert (await client.get(PROFILE, headers=headers)).json()["major"] == rows[0].major


async def test_profile_update_keeps_created_at_and_moves_updated_at(
    client: httpx.AsyncClient, session: AsyncSession, headers: dict[str, str]
) -> None:
    first = await client.put(PROFILE, headers=headers, json={"bio": "one"})
    created = await session.scalar(select(Profile.created_at))
    second = await client.put(PROFILE, headers=headers, json={"bio": "two"})
    assert second.status_code == 200 and second.json()["bio"] == "two"
    assert second.json()["updated_at"] >= first.json()["updated_at"]
    session.expire_all()
    profile = await session.scalar(select(Profile))
    assert profile is not None and profile.created_at == created and profile.bio == "two"
