"""Sign-in endpoints: local accounts (signup, login, logout) and CAS single sign-on."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Response, status
from fastapi.responses import RedirectResponse

from peerpear.auth import cas, service
from peerpear.auth.deps import SESSION_COOKIE, ClientAddress, RequestToken
from peerpear.auth.schemas import LoginIn, SignupAccepted, SignupIn, TokenOut, UserOut
from peerpear.auth.sessions import revoke_session
from peerpear.config import Settings
from peerpear.deps import (
    JobsDep,
    SessionDep,
    SessionmakerDep,
    SettingsDep,
    writes_on_safe_method,
)
from peerpear.errors import Unauthorized
from peerpear.mail.delivery import enqueue_mail
from peerpear.openapi import errors

router = APIRouter(prefix="/auth", tags=["sign-in"])


def _sets_cookie(description: str) -> dict[str, Any]:
    """The OpenAPI entry of an answer that sets (or clears) the session cookie."""
    header = {"description": description, "required": True, "schema": {"type": "string"}}
    return {"headers": {"Set-Cookie": header}}


_NO_CAS = "CAS single sign-on is not configured on this server."
_SIGNED_IN = _sets_cookie(f"The `{SESSION_COOKIE}` cookie (HttpOnly) with the new session.")


def secure_cookies(settings: Settings) -> bool:
    return settings.environment != "development"


def set_session_cookie(response: Response, settings: Settings, signed_in: service.SignedIn) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.token,
        max_age=settings.session_ttl_hours * 3600,
        httponly=True,
        secure=secure_cookies(settings),
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(settings)
    )


def _token_out(signed_in: service.SignedIn) -> TokenOut:
    return TokenOut(
        access_token=signed_in.token,
        expires_at=signed_in.expires_at,
        user=UserOut.model_validate(signed_in.user),
    )


@router.post(
    "/signup",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SignupAccepted,
    responses=errors(
        403,
        429,
        why={403: "Local accounts are off, or the address is in the CAS domain (use CAS)."},
    ),
)
async def signup(
    body: SignupIn,
    address: ClientAddress,
    db: SessionDep,
    sessions: SessionmakerDep,
    settings: SettingsDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> SignupAccepted:
    """Create an email + password account, then sign in with `POST /auth/login`.

    Always 202 with the same message, whether the email was free (the account is created) or
    already has an account (left unchanged): the answer does not say which. Emails are unique
    regardless of case; the password must be at least `PEERPEAR_MIN_PASSWORD_LENGTH`
    characters (422). 403 when the server only allows CAS, or when CAS is configured and the
    address is in `PEERPEAR_CAS_EMAIL_DOMAIN` (those people sign in with CAS, which proves they
    own the address). More than `PEERPEAR_SIGNUP_MAX_PER_ADDRESS` sign-ups from one client
    host (IPv4 address, IPv6 /64) within `PEERPEAR_SIGNUP_WINDOW_SECONDS` answer 429 with
    `Retry-After`. A new account is sent a link to confirm its address
    (`POST /auth/verify-email`).
    """
    message_ids = await service.signup(
        db,
        sessions,
        settings,
        email=str(body.email),
        password=body.password,
        first_name=body.first_name,
        last_name=body.last_name,
        client_address=address,
    )
    background.add_task(enqueue_mail, jobs, message_ids)  # after the commit: see mail/delivery
    return SignupAccepted(message=service.SIGNUP_ACCEPTED)


@router.post(
    "/login",
    response_model=TokenOut,
    responses={
        200: _SIGNED_IN,
        **errors(
            401,
            403,
            429,
            why={
                401: "Wrong email or password (one message for both).",
                403: "The account is disabled, or local accounts are off.",
            },
        ),
    },
)
async def login(
    body: LoginIn,
    address: ClientAddress,
    response: Response,
    db: SessionDep,
    sessions: SessionmakerDep,
    settings: SettingsDep,
) -> TokenOut:
    """Sign in with email and password.

    Sets the HttpOnly `peerpear_session` cookie and returns the same token as a bearer token for
    API clients (`Authorization: Bearer <access_token>`). A wrong email or password answers 401
    with one generic message. Throttling answers 429 with `Retry-After`; a client is counted
    by its host (IPv4 address, IPv6 /64) and site (IPv4 /24, IPv6 /48). After
    `PEERPEAR_LOGIN_FAILURES_BEFORE_DELAY` failures for one account from one host, each further
    attempt from there waits twice as long as the last (up to
    `PEERPEAR_LOGIN_MAX_DELAY_SECONDS`), while the account's owner elsewhere is not held up.
    Within `PEERPEAR_LOGIN_LOCKOUT_SECONDS`, and blocking for as long:
    `PEERPEAR_LOGIN_MAX_FAILURES_PER_NETWORK` failures for the account from one site block that
    site for it; failures from `PEERPEAR_LOGIN_MAX_NETWORKS_PER_ACCOUNT` different sites lock
    the account; `PEERPEAR_LOGIN_MAX_FAILURES_PER_ADDRESS` from one host lock that host. 503
    with `Retry-After` when the server is too busy to take the request.
    """
    signed_in = await service.login(
        db, sessions, settings, email=body.email, password=body.password, client_address=address
    )
    set_session_cookie(response, settings, signed_in)
    return _token_out(signed_in)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={204: _sets_cookie(f"Clears the `{SESSION_COOKIE}` cookie.")},
)
async def logout(token: RequestToken, db: SessionDep, settings: SettingsDep) -> Response:
    """End the current session (cookie or bearer) and clear the cookie.

    Always 204, even without a valid session, so a stale browser can always sign out.
    """
    if token:
        await revoke_session(db, token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookie(response, settings)
    return response


NextParam = Annotated[
    str | None,
    Query(
        alias="next",
        max_length=2000,
        description="A local path (e.g. `/events/3`) to return to afterwards.",
    ),
]


# CAS tickets are printable ASCII (the protocol allows letters, digits and hyphens; servers add
# dots and underscores). Anything else is refused here instead of being sent to the CAS server,
# whose answer about it may not even be readable XML.
TicketParam = Annotated[
    str | None,
    Query(
        max_length=4000,
        pattern="^[!-~]+$",
        description="The service ticket the CAS server issued.",
    ),
]


@router.get(
    "/cas/login",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses=errors(404, why={404: _NO_CAS}),
)
async def cas_login(settings: SettingsDep, next_path: NextParam = None) -> RedirectResponse:
    """Redirect the browser to the CAS server's login page (404 when CAS is not configured).

    After signing in there, CAS sends the browser back to `/auth/cas/callback`.
    """
    return RedirectResponse(
        cas.login_url(settings, cas.safe_next(next_path)), status_code=status.HTTP_302_FOUND
    )


@router.get(
    "/cas/callback",
    response_model=TokenOut,
    responses={
        200: _SIGNED_IN,
        302: {"description": "Signed in; on to the `next` path.", **_SIGNED_IN},
        **errors(
            401,
            403,
            404,
            409,
            503,
            why={
                401: "The ticket is missing, invalid or expired.",
                403: "The account is disabled.",
                404: _NO_CAS,
                409: "The account is being linked to another CAS user; try again.",
                503: "The CAS server could not be reached, or its answer was unusable.",
            },
        ),
    },
)
@writes_on_safe_method  # CAS sends the browser back with a GET; signing in writes
async def cas_callback(
    db: SessionDep,
    settings: SettingsDep,
    ticket: TicketParam = None,
    next_param: NextParam = None,
) -> Response:
    """Validate the CAS service ticket and sign in, creating the account on first use.

    The user is found by CAS user id, or else by email (`mail` attribute, or
    `<id>@PEERPEAR_CAS_EMAIL_DOMAIN`) so an existing account gets linked; linking removes that
    account's local password and ends its sessions (a local sign-up never proved the address
    belonged to whoever made it). Sets the session
    cookie; with a safe local `next` path it answers 302 to it, otherwise 200 with the same body
    as `/auth/login`. A missing or invalid ticket answers 401 and creates nothing.
    """
    cas.ensure_configured(settings)
    if not ticket:
        raise Unauthorized("CAS ticket is missing")
    next_path = cas.safe_next(next_param)
    principal = await cas.validate_ticket(settings, ticket, next_path)
    user = await cas.find_or_create_user(db, settings, principal)
    signed_in = await service.sign_in(db, settings, user)
    response: Response
    if next_path is not None:
        response = RedirectResponse(next_path, status_code=status.HTTP_302_FOUND)
    else:
        response = Response(_token_out(signed_in).model_dump_json(), media_type="application/json")
    set_session_cookie(response, settings, signed_in)
    return response
