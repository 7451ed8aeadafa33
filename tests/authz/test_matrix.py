"""Every registered route, as each persona, answers the status in ``MATRIX`` (see matrix.py).

One test per route; inside it every persona gets its own World, so the failure message lists
each persona whose status differs.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.main import create_app
from tests.authz.matrix import MATRIX, PATH_PARAMS, VARIANTS, Case
from tests.authz.world import PERSONAS, build_world
from tests.conftest import make_settings
from tests.factories import auth_headers
from tests.routes import all_routes

# CAS must be configured for /auth/cas/login to redirect; nothing contacts this address. Its
# email domain differs from the sign-up addresses', which local sign-up refuses under CAS.
CAS_SETTINGS = {"cas_server_url": "http://127.0.0.1:9/cas", "cas_email_domain": "cas.example.edu"}


def registered_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path template) for every route but the docs (see tests/routes.py)."""
    return {(method, path) for method, path, _ in all_routes(app)}


def test_every_route_has_an_entry() -> None:
    app = create_app(make_settings("sqlite://", **CAS_SETTINGS))
    routes = registered_routes(app)
    missing = sorted(routes - MATRIX.keys())
    stale = sorted(MATRIX.keys() - routes)
    assert not missing, "routes without an authorization-matrix entry (tests/authz/matrix.py): " + (
        ", ".join(f"{m} {p}" for m, p in missing)
    )
    assert not stale, "matrix entries for routes that are not registered: " + (
        ", ".join(f"{m} {p}" for m, p in stale)
    )
    stale_variants = sorted({(m, p) for m, p, _ in VARIANTS} - routes)
    assert not stale_variants, f"VARIANTS for routes that are not registered: {stale_variants}"


def test_the_matrix_is_not_vacuous() -> None:
    # Guards the guard: the org routes must be in both the app and the table.
    assert ("PATCH", "/api/v1/organizations/{org_id}") in registered_routes(
        create_app(make_settings("sqlite://"))
    )
    assert len(MATRIX) >= 25
    # The platform-admin persona means something: somewhere it may do what a stranger may not,
    # and on org A's own resources it gets what a stranger gets (no implicit access).
    cases = [*MATRIX.values(), *(case for _, _, case in VARIANTS)]
    assert any(c.platform_admin < 300 <= c.stranger for c in cases)
    org_a = [c for (_, path), c in MATRIX.items() if path.startswith("/api/v1/organizations/{")]
    assert org_a and all(c.platform_admin == c.stranger for c in org_a)


def _case_id(method: str, path: str, case: Case) -> str:
    variant = [f"{k}={v}" for k, v in case.settings.items()] + [f"{k}=*" for k in case.params]
    variant += [case.label] if case.label else []
    return f"{method} {path}" + (f" [{','.join(variant)}]" if variant else "")


# Each case's app settings go to the ``settings_overrides`` fixture (tests/conftest.py), which
# builds ``client``'s app.
ROUTES = [
    pytest.param(
        method, path, case, {**CAS_SETTINGS, **case.settings}, id=_case_id(method, path, case)
    )
    for method, path, case in [*((m, p, c) for (m, p), c in MATRIX.items()), *VARIANTS]
]


@pytest.mark.parametrize(("method", "path", "case", "settings_overrides"), ROUTES)
async def test_authorization(
    client: httpx.AsyncClient,
    session: AsyncSession,
    method: str,
    path: str,
    case: Case,
    settings_overrides: dict[str, Any],
) -> None:
    resolvers = {**PATH_PARAMS, **case.params}
    names = re.findall(r"{(\w+)}", path)
    unknown = [n for n in names if n not in resolvers]
    assert not unknown, f"no resolver for path parameter(s) {unknown}; add them to PATH_PARAMS"
    # One world per persona, side by side in the database, so a request's side effects
    # (leaving, approving, deleting) never change what another persona's request sees.
    worlds = {
        persona: await build_world(session, persona, with_signin=case.needs_signin)
        for persona in PERSONAS
    }
    mismatches: list[str] = []
    for persona, world in worlds.items():
        url = path.format(**{n: resolvers[n](world) for n in names})
        user = world.persona(persona)
        headers = await auth_headers(session, user) if user is not None else {}
        query = {k: v(world) if callable(v) else v for k, v in case.query.items()}
        kwargs: dict[str, Any] = {"headers": headers, "params": query}
        if case.body is not None:
            kwargs["json"] = case.body(world)
        if case.files is not None:
            kwargs["files"] = case.files(world)
        response = await client.request(method, url, **kwargs)
        expected = case.expected(persona)
        if response.status_code != expected:
            mismatches.append(
                f"as {persona}: expected {expected}, got {response.status_code}: "
                f"{response.text[:200]}"
            )
        elif case.page and not (
            response.is_redirect
            or response.headers["content-type"].startswith("text/html")
            or (case.download and response.status_code == 200)
        ):
            mismatches.append(f"as {persona}: a console answer that is neither page nor redirect")
        elif expected >= 400 and not case.page and "error" not in response.json():
            mismatches.append(f"as {persona}: {expected} without the JSON error shape")
    assert not mismatches, f"{method} {path}\n  " + "\n  ".join(mismatches)
