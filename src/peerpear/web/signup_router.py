"""The console's sign-up page: the API's sign-up service (its policy and throttling), then the
sign-in service, so a new student lands signed in where they were going.

The sign-up service answers the same whether or not the address already had an account (the
API does not say which); so does this page. When the sign-in that follows fails (the address
had an account with another password), the person is sent to the sign-in page with a neutral
line, as they would be after signing up through the API.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from peerpear.auth import service as auth_service
from peerpear.auth.cas import safe_next
from peerpear.auth.deps import ClientAddress, OptionalUser
from peerpear.auth.router import set_session_cookie
from peerpear.auth.schemas import SignupIn
from peerpear.deps import JobsDep, SessionDep, SessionmakerDep
from peerpear.errors import AppError
from peerpear.mail.delivery import enqueue_mail
from peerpear.web.deps import checked_form, csrf_refused, page, redirect, settings_of
from peerpear.web.text import WAIT_STATUSES, field_errors, sentence

router = APIRouter(include_in_schema=False)

HOME = "/events"
FIELDS = ("email", "first_name", "last_name", "password")
# Longest value a field passes on: the schema's own limits are far below.
_MAX_FIELD = 1024


def _sign_up_page(
    request: Request,
    *,
    next_path: str | None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = status.HTTP_200_OK,
    headers: dict[str, str] | None = None,
) -> Response:
    settings = settings_of(request)
    response = page(
        request,
        "sign_up.html",
        title="Create an account",
        user=None,
        status_code=status_code,
        current="sign-up",
        next=next_path,
        values={name: "" for name in FIELDS} | (values or {}),
        errors=errors or {},
        error=error,
        local_accounts=settings.allow_local_accounts,
        min_password=settings.min_password_length,
    )
    response.headers.update(headers or {})
    return response


@router.get("/sign-up")
async def sign_up_form(request: Request, user: OptionalUser) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    if user is not None:
        return redirect(next_path or HOME)
    return _sign_up_page(request, next_path=next_path)


@router.post("/sign-up")
async def sign_up(
    request: Request,
    address: ClientAddress,
    db: SessionDep,
    sessions: SessionmakerDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> Response:
    form = await checked_form(request)
    if form is None:
        return csrf_refused(request, None)
    typed = {name: str(form.get(name) or "")[:_MAX_FIELD] for name in FIELDS}
    shown = {name: value for name, value in typed.items() if name != "password"}  # never echoed
    next_path = safe_next(str(form.get("next") or ""))
    settings = settings_of(request)

    def again(status_code: int = 422, **kwargs: Any) -> Response:
        return _sign_up_page(
            request, next_path=next_path, values=shown, status_code=status_code, **kwargs
        )

    try:  # the API's schema: the same rules for each field, the same messages
        body = SignupIn.model_validate({**typed, "email": typed["email"].strip()})
    except ValidationError as invalid:
        return again(errors=field_errors(invalid.errors(), FIELDS))
    try:
        message_ids = await auth_service.signup(
            db,
            sessions,
            settings,
            email=str(body.email),
            password=body.password,
            first_name=body.first_name,
            last_name=body.last_name,
            client_address=address,
        )
    except AppError as refused:  # too short a password, CAS-only, throttled
        per_field = field_errors(refused.details, FIELDS) if refused.status_code == 422 else {}
        return again(
            status_code=refused.status_code if refused.status_code in WAIT_STATUSES else 422,
            errors=per_field,
            error=None if per_field else sentence(refused.message),
            headers=refused.headers,
        )
    await db.commit()  # the account exists before the sign-in looks for it
    # The confirmation link leaves now, as from the API: handed to the queue after the response.
    background.add_task(enqueue_mail, jobs, message_ids)
    try:
        signed_in = await auth_service.login(
            db, sessions, settings, email=str(body.email), password=body.password,
            client_address=address,
        )  # fmt: skip
    except AppError:
        target = "/sign-in" + (f"?next={quote(next_path, safe='/')}" if next_path else "")
        return redirect(target, flash_key="signed-up-sign-in")
    response = redirect(next_path or HOME, flash_key="signed-up")
    set_session_cookie(response, settings, signed_in)
    return response
