"""The console's HTTP edge helpers: rendering a page with its headers, the CSRF binding of a
browser, reading a form whose token checks out, and the dependencies that answer a request
with a page of their own (:class:`PageInstead`)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from peerpear.auth.deps import SESSION_COOKIE, OptionalUser, token_of
from peerpear.auth.router import secure_cookies
from peerpear.auth.sessions import SessionLookup
from peerpear.config import Settings
from peerpear.models import User
from peerpear.web import csrf, flash, pages
from peerpear.web.csrf import CSRF_COOKIE, CSRF_FIELD
from peerpear.web.head import is_api_path


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _binding(request: Request) -> str | None:
    """What this browser's tokens are bound to: its session cookie, else its nonce cookie."""
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(CSRF_COOKIE) or None


def page(
    request: Request,
    template: str,
    *,
    title: str,
    user: User | None,
    status_code: int = status.HTTP_200_OK,
    **context: Any,
) -> HTMLResponse:
    """A console page: rendered with the base layout's context (the user, a CSRF token for its
    forms, the flash line), with the console's CSP and never cached (it shows personal data)."""
    settings = settings_of(request)
    binding = _binding(request)
    new_nonce = None
    if binding is None:  # a first visit: forms need something to be bound to
        new_nonce = binding = csrf.new_nonce()
    body = pages.render(
        template,
        title=title,
        user=user,
        csrf_token=csrf.token_for(settings.secret_key, binding),
        flash=flash.message_of(request.cookies.get(flash.FLASH_COOKIE)),
        **{"current": None, **context},
    )
    response = HTMLResponse(body, status_code=status_code)
    response.headers["Content-Security-Policy"] = pages.CONSOLE_CSP
    response.headers["Cache-Control"] = "no-store"
    if new_nonce is not None:
        response.set_cookie(
            CSRF_COOKIE,
            new_nonce,
            max_age=csrf.NONCE_MAX_AGE_SECONDS,
            httponly=True,
            secure=secure_cookies(settings),
            samesite="lax",
            path="/",
        )
    if flash.FLASH_COOKIE in request.cookies:  # shown once
        response.delete_cookie(flash.FLASH_COOKIE, path="/")
    return response


def redirect(url: str, *, flash_key: str | None = None) -> RedirectResponse:
    """303 (the browser follows with a GET), optionally leaving a flash line for the next page."""
    response = RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)
    if flash_key is not None:
        response.set_cookie(flash.FLASH_COOKIE, flash_key, max_age=60, httponly=True, path="/")
    return response


def to_sign_in(request: Request) -> RedirectResponse:
    """Where an anonymous request for a console page goes: sign in, then come back."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect("/sign-in?next=" + quote(target, safe="/"))


async def checked_form(request: Request) -> FormData | None:
    """The POSTed form if its CSRF token matches this browser's binding; None otherwise."""
    form = await request.form()
    secret = settings_of(request).secret_key
    return form if csrf.is_valid(secret, _binding(request), form.get(CSRF_FIELD)) else None


def csrf_refused(request: Request, user: User | None) -> Response:
    return page(
        request,
        "error.html",
        title="This form has expired",
        user=user,
        status_code=status.HTTP_403_FORBIDDEN,
        message="The form was refused because its security token is missing or out of date "
        "(for example after signing in or out in another tab). Nothing was changed.",
        back_url="/",
        back_label="Back to PeerPear",
    )


async def console_not_found(request: Request) -> Response | None:
    """The console's 404 page for an address that is no route, when a browser asks for it
    (``Accept`` with ``text/html``) outside the API; None where the API's JSON error answers
    (``/api/`` paths, scripts): the app's HTTP error handler asks here first."""
    if is_api_path(request.url.path) or "text/html" not in request.headers.get("accept", ""):
        return None
    # No route matched, so no dependency ran: look the session up here, for the navigation.
    token = token_of(request)
    lookup: SessionLookup = request.app.state.session_lookup
    user = await lookup.user(token) if token else None
    return page(
        request,
        "error.html",
        title="Page not found",
        user=user,
        status_code=status.HTTP_404_NOT_FOUND,
        message="There is no page at this address. It may have been mistyped, or the link "
        "that led here may be out of date.",
        back_url="/events" if user is not None else "/",
        back_label="Back to your events" if user is not None else "Back to PeerPear",
    )


class PageInstead(Exception):
    """Raised by a console dependency that answers the request itself (sign-in for nobody, the
    expired-form page, the 404 or 403 page): the app returns its response (``page_instead``),
    so a route receives only what it may work with."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def page_instead(request: Request, exc: Exception) -> Response:
    """The app's handler of :class:`PageInstead`."""
    assert isinstance(exc, PageInstead)
    return exc.response


async def _signed_in(request: Request, user: OptionalUser) -> User:
    if user is None:
        raise PageInstead(to_sign_in(request))
    return user


async def _posted_form(request: Request, user: OptionalUser) -> FormData:
    form = await checked_form(request)
    if form is None:
        raise PageInstead(csrf_refused(request, user))
    return form


# The signed-in user; anyone else goes to sign-in and comes back.
SignedIn = Annotated[User, Depends(_signed_in)]
# The POSTed form whose CSRF token checks out, else the expired-form page (nothing changed).
# FastAPI solves a route's dependencies in the order of its parameters: put it first, so the
# token is checked before anything is loaded (as the authorization matrix expects).
PostedForm = Annotated[FormData, Depends(_posted_form)]
