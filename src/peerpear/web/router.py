"""The console's pages: sign-in and sign-out, and the events open to the signed-in user.

Thin routes, as in the API: they call the same services (``auth.service.login`` with its
throttling, ``events.service.list_open_to``) and render the answer. Outside ``/api/v1`` and
outside the API document. Every POST checks the form's CSRF token first (403 page otherwise).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from peerpear.auth import service as auth_service
from peerpear.auth.cas import safe_next
from peerpear.auth.deps import ClientAddress, OptionalUser, RequestToken
from peerpear.auth.router import clear_session_cookie, set_session_cookie
from peerpear.auth.sessions import revoke_session
from peerpear.deps import SessionDep, SessionmakerDep
from peerpear.errors import AppError
from peerpear.events.service import list_open_to, list_registered_for
from peerpear.schemas_common import Pagination
from peerpear.web.account_router import router as account_router
from peerpear.web.deps import (
    SignedIn,
    checked_form,
    csrf_refused,
    page,
    redirect,
    settings_of,
)
from peerpear.web.event_router import router as event_router
from peerpear.web.events_page import PAGE_SIZE, organization_names
from peerpear.web.join_router import router as join_router
from peerpear.web.manage_event_router import router as manage_event_router
from peerpear.web.notices_router import router as notices_router
from peerpear.web.org_router import router as org_router
from peerpear.web.pairing_router import router as pairing_router
from peerpear.web.registrations_area_router import router as registrations_area
from peerpear.web.runs_router import router as runs_router
from peerpear.web.signup_router import router as signup_router
from peerpear.web.student_router import router as student_router

router = APIRouter(include_in_schema=False)

HOME = "/events"
# Longest email and password the form passes on (the API's own limits are in its schemas).
_MAX_EMAIL = 320
_MAX_PASSWORD = 1024
_WAIT = frozenset({429, 503})


@router.get("/")
async def home(user: OptionalUser) -> Response:
    return redirect(HOME if user is not None else "/sign-in")


def _cas_url(request: Request, next_path: str | None) -> str | None:
    if not settings_of(request).cas_server_url:
        return None
    return "/api/v1/auth/cas/login?next=" + quote(next_path or HOME, safe="/")


def _sign_in_page(
    request: Request,
    *,
    next_path: str | None,
    email: str = "",
    error: str | None = None,
    status_code: int = status.HTTP_200_OK,
    headers: dict[str, str] | None = None,
) -> Response:
    response = page(
        request,
        "sign_in.html",
        title="Sign in",
        user=None,
        status_code=status_code,
        current="sign-in",
        next=next_path,
        email=email,
        error=error,
        local_accounts=settings_of(request).allow_local_accounts,
        cas_url=_cas_url(request, next_path),
    )
    response.headers.update(headers or {})
    return response


@router.get("/sign-in")
async def sign_in_form(request: Request, user: OptionalUser) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    if user is not None:  # already signed in: nothing to do here
        return redirect(next_path or HOME)
    return _sign_in_page(request, next_path=next_path)


@router.post("/sign-in")
async def sign_in(
    request: Request,
    address: ClientAddress,
    db: SessionDep,
    sessions: SessionmakerDep,
) -> Response:
    form = await checked_form(request)
    if form is None:
        return csrf_refused(request, None)
    email = str(form.get("email") or "")[:_MAX_EMAIL].strip()
    password = str(form.get("password") or "")[:_MAX_PASSWORD]
    next_path = safe_next(str(form.get("next") or ""))
    settings = settings_of(request)
    if not email or not password:
        return _sign_in_page(
            request,
            next_path=next_path,
            email=email,
            error="Enter your email and your password.",
            status_code=422,
        )
    try:
        signed_in = await auth_service.login(
            db, sessions, settings, email=email, password=password, client_address=address
        )
    except AppError as refused:  # wrong password, disabled account, throttled: say so
        return _sign_in_page(
            request,
            next_path=next_path,
            email=email,
            error=_sentence(refused.message),
            # The form comes back with what went wrong (422), except when the client should
            # wait (429 throttled, 503 busy) and Retry-After says how long. Never 401: that
            # asks the browser for HTTP authentication (WWW-Authenticate), which a form is not.
            status_code=refused.status_code if refused.status_code in _WAIT else 422,
            headers=refused.headers,
        )
    response = redirect(next_path or HOME, flash_key="signed-in")
    set_session_cookie(response, settings, signed_in)
    return response


def _sentence(message: str) -> str:
    """The service's message as a sentence on a page."""
    message = message.strip()
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


@router.post("/sign-out")
async def sign_out(request: Request, token: RequestToken, db: SessionDep) -> Response:
    form = await checked_form(request)
    if form is None:
        return csrf_refused(request, None)
    if token:
        await revoke_session(db, token)
    response = redirect("/sign-in", flash_key="signed-out")
    clear_session_cookie(response, settings_of(request))
    return response


@router.get("/events")
async def events(
    request: Request, user: SignedIn, db: SessionDep, sessions: SessionmakerDep
) -> Response:
    first_page = Pagination(limit=PAGE_SIZE, offset=0)
    listed = await list_open_to(db, sessions, user, first_page)
    registered = await list_registered_for(db, sessions, user, first_page)
    shown = [*listed.items, *registered.items]
    names = await organization_names(db, (event.organization_id for event in shown))
    return page(
        request,
        "events.html",
        title="Events",
        user=user,
        current="events",
        events=listed.items,
        total=listed.total,
        registered=registered.items,
        registered_total=registered.total,
        organizations=names,
    )


# The students' pages, each feature in a module of its own.
router.include_router(signup_router)
router.include_router(join_router)
router.include_router(event_router)
router.include_router(student_router)
router.include_router(runs_router)
router.include_router(registrations_area)  # organizers: registrations, analytics, rules
router.include_router(pairing_router)
router.include_router(org_router)
router.include_router(manage_event_router)
router.include_router(notices_router)  # email preferences, unsubscribe links
router.include_router(account_router)  # the account emails' pages, the profile's account part
