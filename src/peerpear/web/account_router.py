"""The pages the account emails link to (issue 12): confirming an address (``/verify-email``),
asking for a password-reset link (``/forgot-password``) and setting a new password with it
(``/reset-password``). The signed-in person's own account actions are on their profile
(profile_account_router.py).

Thin, as the API's account routes (auth/account_router.py): the same services, and the mail
they queue handed to the job queue after the response, once the request has committed. A link
is only ever used by a POST: the GET shows a button, because mail scanners open links.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from peerpear.auth import account, verification
from peerpear.auth.deps import ClientAddress, OptionalUser
from peerpear.auth.router import clear_session_cookie
from peerpear.auth.schemas import PasswordResetConfirmIn, PasswordResetIn, VerifyEmailIn
from peerpear.auth.tokens import LINK_NOT_VALID
from peerpear.deps import JobsDep, SessionDep, SessionmakerDep
from peerpear.errors import AppError
from peerpear.mail.delivery import enqueue_mail
from peerpear.models import User
from peerpear.web.deps import PostedForm, page, redirect, settings_of
from peerpear.web.profile_account_router import router as profile_account_router
from peerpear.web.text import WAIT_STATUSES, field_errors, sentence, wait_sentence

router = APIRouter(include_in_schema=False)

# Longest value a field passes on: the schemas' own limits are far below.
_MAX_FIELD = 1024
NO_TOKEN = (
    "This link is incomplete. Open the link from the email again, or copy all of it into "
    "the address bar."
)
LINK_REFUSED = sentence(LINK_NOT_VALID)
PASSWORDS_DIFFER = "The two passwords are not the same: type the new one twice."


def _token_of(request: Request) -> str:
    return str(request.query_params.get("token") or "")[:_MAX_FIELD]


def _refusal(refused: AppError) -> str:
    """What a throttled or refused request shows: the wait in words when there is one."""
    if refused.status_code in WAIT_STATUSES:
        return wait_sentence(refused.message, refused.headers)
    return sentence(refused.message)


def _answer_status(refused: AppError) -> int:
    """A refused form answers 422, except a wait (429/503 with Retry-After) and a 403."""
    return refused.status_code if refused.status_code in {*WAIT_STATUSES, 403} else 422


# --- confirming the address -------------------------------------------------------------------


def _verify_page(
    request: Request,
    user: User | None,
    token: str,
    *,
    error: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    return page(
        request,
        "verify_email.html",
        title="Confirm your email address",
        user=user,
        status_code=status_code,
        token=token,
        error=error,
    )


@router.get("/verify-email")
async def verify_email_form(request: Request, user: OptionalUser) -> Response:
    token = _token_of(request)
    if not token:
        return _verify_page(request, user, token, error=NO_TOKEN, status_code=422)
    return _verify_page(request, user, token)


@router.post("/verify-email")
async def verify_email(
    request: Request, form: PostedForm, user: OptionalUser, db: SessionDep
) -> Response:
    token = str(form.get("token") or "")[:_MAX_FIELD]
    try:
        body = VerifyEmailIn.model_validate({"token": token})
    except ValidationError:  # blank or far too long: no link we sent
        return _verify_page(request, user, token, error=LINK_REFUSED, status_code=422)
    try:
        await verification.verify_email(db, body.token)
    except AppError as refused:  # unknown, used, expired: one message (422)
        error, status_code = _refusal(refused), _answer_status(refused)
        return _verify_page(request, user, token, error=error, status_code=status_code)
    # Signed in (as anyone): the profile shows the address's state; else sign in with it.
    return redirect("/profile" if user is not None else "/sign-in", flash_key="email-verified")


# --- a forgotten password ---------------------------------------------------------------------


def _forgot_page(
    request: Request,
    user: User | None,
    *,
    email: str = "",
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = status.HTTP_200_OK,
    headers: dict[str, str] | None = None,
) -> Response:
    response = page(
        request,
        "forgot_password.html",
        title="Forgot your password?",
        user=user,
        status_code=status_code,
        values={"email": email},
        errors=errors or {},
        error=error,
        local_accounts=settings_of(request).allow_local_accounts,
    )
    response.headers.update(headers or {})
    return response


@router.get("/forgot-password")
async def forgot_password_form(request: Request, user: OptionalUser) -> Response:
    return _forgot_page(request, user)


@router.post("/forgot-password")
async def forgot_password(
    request: Request,
    form: PostedForm,
    user: OptionalUser,
    address: ClientAddress,
    db: SessionDep,
    sessions: SessionmakerDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> Response:
    email = str(form.get("email") or "")[:_MAX_FIELD].strip()
    try:
        body = PasswordResetIn.model_validate({"email": email})
    except ValidationError as invalid:
        errors = field_errors(invalid.errors(), ["email"])
        return _forgot_page(request, user, email=email, errors=errors, status_code=422)
    try:
        message_ids = await account.request_password_reset(
            db, sessions, settings_of(request), email=body.email, client_address=address
        )
    except AppError as refused:  # throttled, or no passwords on this server
        return _forgot_page(
            request,
            user,
            email=email,
            error=_refusal(refused),
            status_code=_answer_status(refused),
            headers=refused.headers,
        )
    background.add_task(enqueue_mail, jobs, message_ids)  # after the commit
    # The same answer whether or not the address has an account.
    return redirect("/forgot-password", flash_key="reset-requested")


# --- setting a new password with the link -----------------------------------------------------


def _reset_page(
    request: Request,
    user: User | None,
    token: str,
    *,
    link_error: str | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    return page(
        request,
        "reset_password.html",
        title="Choose a new password",
        user=user,
        status_code=status_code,
        token=token,
        link_error=link_error,
        values={},
        errors=errors or {},
        error=error,
        min_password=settings_of(request).min_password_length,
    )


@router.get("/reset-password")
async def reset_password_form(request: Request, user: OptionalUser) -> Response:
    token = _token_of(request)
    if not token:
        return _reset_page(request, user, token, link_error=NO_TOKEN, status_code=422)
    return _reset_page(request, user, token)


@router.post("/reset-password")
async def reset_password(
    request: Request,
    form: PostedForm,
    user: OptionalUser,
    db: SessionDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> Response:
    token = str(form.get("token") or "")[:_MAX_FIELD]
    password = str(form.get("password") or "")[:_MAX_FIELD]

    def again(status_code: int = 422, **kwargs: Any) -> Response:
        return _reset_page(request, user, token, status_code=status_code, **kwargs)

    if password != str(form.get("password_again") or "")[:_MAX_FIELD]:
        return again(errors={"password_again": PASSWORDS_DIFFER})
    try:
        body = PasswordResetConfirmIn.model_validate({"token": token, "password": password})
    except ValidationError as invalid:
        errors = field_errors(invalid.errors(), ["token", "password"])
        if "token" in errors:
            return again(link_error=LINK_REFUSED)
        return again(errors=errors)
    try:
        message_ids = await account.confirm_password_reset(
            db, settings_of(request), token=body.token, password=body.password
        )
    except AppError as refused:
        errors = field_errors(refused.details, ["token", "password"]) if refused.details else {}
        if "token" in errors:
            return again(link_error=LINK_REFUSED)
        return again(
            status_code=_answer_status(refused),
            errors=errors,
            error=None if errors else _refusal(refused),
        )
    background.add_task(enqueue_mail, jobs, message_ids)
    # Every session of the account has ended: this browser's too, if it was that account's.
    response = redirect("/sign-in", flash_key="password-reset")
    clear_session_cookie(response, settings_of(request))
    return response


router.include_router(profile_account_router)
