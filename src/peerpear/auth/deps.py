"""Authentication dependencies every route uses to learn who is calling.

Identity comes only from the session cookie (``peerpear_session``) or an
``Authorization: Bearer <token>`` header, never from an id the client sends. When both are
present the bearer header wins.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from peerpear.auth.sessions import resolve_session
from peerpear.auth.throttle import MAX_ADDRESS_LENGTH
from peerpear.deps import SessionDep
from peerpear.errors import Forbidden, Unauthorized
from peerpear.models import User

SESSION_COOKIE = "peerpear_session"

# auto_error=False: we raise our own Unauthorized so the error shape stays uniform. These also
# document both schemes in OpenAPI so /docs offers an "Authorize" button.
_bearer = HTTPBearer(auto_error=False, description="The access_token from /auth/login.")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Session cookie.")


# Every dependency here is async: FastAPI runs a plain ``def`` dependency in a worker thread,
# which costs more than the work itself.
async def request_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> str | None:
    """The raw session token the request carries (bearer first, then cookie), if any."""
    if credentials is not None and credentials.credentials:
        return credentials.credentials
    return cookie or None


RequestToken = Annotated[str | None, Depends(request_token)]


def _refuse(token: str | None) -> Unauthorized:
    return Unauthorized(
        "sign in required" if not token else "session is invalid or has expired",
        headers={"WWW-Authenticate": "Bearer"},
    )


# Each of these looks the session up itself (one statement) rather than through a shared
# dependency: every level of dependency costs FastAPI more than the lookup's Python work.
async def optional_user(db: SessionDep, token: RequestToken) -> User | None:
    """The signed-in user, or None for an anonymous (or invalid-token) request."""
    return await resolve_session(db, token) if token else None


async def current_user(db: SessionDep, token: RequestToken) -> User:
    """The signed-in, active user; 401 when missing, invalid, expired, revoked or inactive."""
    user = await resolve_session(db, token) if token else None
    if user is None:
        raise _refuse(token)
    return user


async def platform_admin(user: Annotated[User, Depends(current_user)]) -> User:
    """The signed-in user if they are a platform admin; 403 otherwise."""
    if not user.is_platform_admin:
        raise Forbidden("platform admin required")
    return user


def client_address(request: Request) -> str:
    """The caller's address: the socket's peer, or what a trusted proxy's X-Forwarded-For names
    (uvicorn's proxy headers, ``PEERPEAR_TRUSTED_PROXIES``). Bounded so a throttling key fits."""
    host = request.client.host if request.client else "unknown"
    return host[:MAX_ADDRESS_LENGTH]


ClientAddress = Annotated[str, Depends(client_address)]
CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]
PlatformAdmin = Annotated[User, Depends(platform_admin)]
