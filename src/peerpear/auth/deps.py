"""Authentication dependencies every route uses to learn who is calling.

Identity comes only from the session cookie (``peerpear_session``) or an
``Authorization: Bearer <token>`` header, never from an id the client sends. When both are
present the bearer header wins.

The session lookup is the bearer security scheme itself (:class:`SessionUser`): one
dependency that reads the header or cookie and checks the session in the database, instead of
a chain of them, since FastAPI spends more per dependency level than the lookup's own Python
work. Nothing about a session is cached: every request runs the lookup.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from peerpear.auth.sessions import SessionLookup
from peerpear.auth.throttle import MAX_ADDRESS_LENGTH
from peerpear.deps import attach_to_request
from peerpear.errors import Forbidden, Unauthorized
from peerpear.models import User

SESSION_COOKIE = "peerpear_session"
BEARER_DESCRIPTION = "The access_token from /auth/login."

# auto_error=False: we raise our own Unauthorized so the error shape stays uniform. These also
# document both schemes in OpenAPI so /docs offers an "Authorize" button.
_bearer = HTTPBearer(auto_error=False, description=BEARER_DESCRIPTION)
session_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Session cookie.")


def token_of(request: Request) -> str | None:
    """The raw session token the request carries (bearer first, then cookie), if any; read the
    way the two security schemes read them."""
    scheme, credentials = get_authorization_scheme_param(request.headers.get("Authorization"))
    if scheme.lower() == "bearer" and credentials:
        return credentials
    return request.cookies.get(SESSION_COOKIE) or None


# Every dependency here is async: FastAPI runs a plain ``def`` dependency in a worker thread,
# which costs more than the work itself.
async def request_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(session_cookie)],
) -> str | None:
    """The raw session token the request carries (bearer first, then cookie), if any (for
    routes that handle the token itself, such as logout)."""
    if credentials is not None and credentials.credentials:
        return credentials.credentials
    return cookie or None


RequestToken = Annotated[str | None, Depends(request_token)]


def _refuse(token: str | None) -> Unauthorized:
    return Unauthorized(
        "sign in required" if not token else "session is invalid or has expired",
        headers={"WWW-Authenticate": "Bearer"},
    )


class SessionUser(HTTPBearer):
    """The bearer scheme (documented as ``HTTPBearer``; openapi.py adds the cookie scheme
    beside it) that resolves to the signed-in user: the active user of the live session whose
    token the request carries, looked up in the database on every request."""

    def __init__(self, *, required: bool) -> None:
        super().__init__(scheme_name="HTTPBearer", description=BEARER_DESCRIPTION, auto_error=False)
        self.required = required

    async def __call__(self, request: Request) -> User | None:  # type: ignore[override]
        token = token_of(request)
        lookup: SessionLookup = request.app.state.session_lookup
        user = await lookup.user(token) if token else None
        if user is None:
            if self.required:
                raise _refuse(token)
            return None
        return attach_to_request(request, user)


# The signed-in user, or None for an anonymous (or invalid-token) request.
optional_user = SessionUser(required=False)
# The signed-in, active user; 401 when missing, invalid, expired, revoked or inactive.
current_user = SessionUser(required=True)


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
