"""Bad input to any registered endpoint answers the JSON error shape with a 4xx, never a 500.

Walks every route the app registers, so a route added later is covered without editing this file.
"""

from __future__ import annotations

import json
import re
import typing
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import EventStatus
from peerpear.schemas_common import InputModel
from tests.factories import (
    auth_headers,
    create_event,
    create_organization,
    create_question,
    create_user,
)
from tests.routes import registered_routes

# PostgreSQL cannot store NUL in text: every string carrying one is refused at the edge.
NUL_TEXT = "nul\u0000@example.edu"
NUL_FIELDS = ("email", "name", "first_name", "last_name", "description", "message", "password")
GARBAGE_BODIES: list[bytes] = [
    b"{not json",
    b"[1, 2, 3]",
    b'{"unexpected": {"deep": [null]}}',
    json.dumps(dict.fromkeys(NUL_FIELDS, NUL_TEXT)).encode(),
]
GARBAGE_QUERY = {"limit": "-5", "offset": "many", "format": "???"}
# Beyond PostgreSQL's integer (3e9) and beyond any 64-bit integer (1e20): refused, never a 500.
HUGE_NUMBERS = ["3000000000", "99999999999999999999"]


def _assert_error_shape(resp: httpx.Response, context: str) -> None:
    assert resp.status_code < 500, f"{context}: {resp.status_code} {resp.text[:300]}"
    if resp.status_code >= 400:
        error = resp.json().get("error")
        assert isinstance(error, dict), f"{context}: not the error shape: {resp.text[:300]}"
        assert {"code", "message", "details"} <= error.keys(), context
        assert isinstance(error["message"], str) and error["message"], context


def _takes_text(annotation: Any) -> str | None:
    """ "str" for a text field, "list" for a list of text, None otherwise."""
    if annotation is str or getattr(annotation, "__name__", "") == "EmailStr":
        return "str"
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list:
        return "list" if args and _takes_text(args[0]) == "str" else None
    if origin is typing.Annotated:
        return _takes_text(args[0])
    kinds = {_takes_text(arg) for arg in args} - {None}
    return kinds.pop() if len(kinds) == 1 else None


def nul_body(route: APIRoute) -> tuple[dict[str, Any], bool] | None:
    """A body whose every text field holds NUL, and whether the route must refuse it (422)."""
    if route.body_field is None:
        return None
    models = [route.body_field.field_info.annotation]
    models += list(typing.get_args(models[0]))
    model = next((m for m in models if isinstance(m, type) and issubclass(m, BaseModel)), None)
    if model is None:
        return None
    body: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        kind = _takes_text(field.annotation)
        if kind is not None:
            body[name] = NUL_TEXT if kind == "str" else [NUL_TEXT]
    return (body, issubclass(model, InputModel)) if body else None


def real_path(path: str, org: int, user: int, **values: str) -> str:
    """``path`` with its parameters filled: the org, the user, 1 for any other id; ``values``
    override by parameter name."""
    defaults = {"org_id": str(org), "user_id": str(user)}
    return re.sub(r"\{([a-z_]+)\}", lambda m: values.get(m[1], defaults.get(m[1], "1")), path)


async def test_garbage_bodies_and_params_never_500(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await create_user(session, platform_admin=True)
    org = await create_organization(session, owner)
    # An event of the org with a question: "1" must name real rows for the id routes. Archived,
    # so no route of the walk (delete, close, ...) changes it for the routes after it.
    event = await create_event(session, org, status=EventStatus.ARCHIVED)
    question = await create_question(session, event)
    assert (event.id, question.id) == (1, 1)
    routes = registered_routes(app)
    assert len(routes) > 10

    for method, path, route in routes:
        # Fresh credentials each time: a route such as /auth/logout ends the previous session.
        headers = await auth_headers(session, owner)
        real = real_path(path, org.id, owner.id)
        if method in {"POST", "PUT", "PATCH"}:
            for body in GARBAGE_BODIES:
                resp = await client.request(
                    method,
                    real,
                    content=body,
                    headers={**headers, "content-type": "application/json"},
                )
                _assert_error_shape(resp, f"{method} {path} body={body!r}")
                if route.body_field is not None and body == b"{not json":
                    assert resp.status_code == 422, f"{method} {path}: {resp.status_code}"
            with_nul = nul_body(route)
            if with_nul is not None:
                nul, refused = with_nul
                resp = await client.request(method, real, json=nul, headers=headers)
                _assert_error_shape(resp, f"{method} {path} body={nul!r}")
                if refused:
                    assert resp.status_code == 422, f"{method} {path} NUL: {resp.text[:300]}"
        else:
            resp = await client.request(method, real, params=GARBAGE_QUERY, headers=headers)
            _assert_error_shape(resp, f"{method} {path} query")

        if "{" in path:
            non_numeric = re.sub(r"\{[a-z_]+\}", "not-a-number", path)
            resp = await client.request(method, non_numeric, headers=headers)
            _assert_error_shape(resp, f"{method} {non_numeric}")
            assert resp.status_code in {404, 422}, f"{method} {non_numeric}: {resp.status_code}"
            for huge in HUGE_NUMBERS:
                # Every id in the path too large, and each one alone (the others real).
                variants = [re.sub(r"\{[a-z_]+\}", huge, path)]
                for name in re.findall(r"\{([a-z_]+)\}", path):
                    variants.append(real_path(path, org.id, owner.id, **{name: huge}))
                for url in variants:
                    resp = await client.request(
                        method, url, headers=headers, json={} if method != "GET" else None
                    )
                    _assert_error_shape(resp, f"{method} {url}")

        if method == "GET":
            for huge in HUGE_NUMBERS:
                real = real_path(path, org.id, owner.id)
                resp = await client.request(
                    method, real, params={"offset": huge, "limit": "5"}, headers=headers
                )
                _assert_error_shape(resp, f"{method} {real}?offset={huge}")
