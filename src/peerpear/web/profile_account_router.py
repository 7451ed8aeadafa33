"""The signed-in person's account actions, on their profile page (issue 12): ask for a new
confirmation link, change the password (their other sessions end), sign out everywhere.

The services are the API's (auth/account.py, auth/verification.py); a refusal comes back as the
profile page with the reason in the part of the page it concerns.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response
from pydantic import ValidationError

from peerpear.auth import account, verification
from peerpear.auth.cas import safe_next
from peerpear.auth.deps import ClientAddress, RequestToken
from peerpear.auth.router import clear_session_cookie
from peerpear.auth.schemas import PasswordChangeIn
from peerpear.deps import JobsDep, RawReaderDep, SessionDep, SessionmakerDep
from peerpear.errors import AppError, InvalidState
from peerpear.mail.delivery import enqueue_mail
from peerpear.web.deps import (
    PostedForm,
    SignedIn,
    redirect,
    settings_of,
)
from peerpear.web.profile_router import AccountForms, profile_page
from peerpear.web.text import WAIT_STATUSES, field_errors, sentence, wait_sentence

router = APIRouter(include_in_schema=False)

PROFILE = "/profile"
PASSWORD_FIELDS = ("current_password", "new_password", "new_password_again")
_MAX_FIELD = 1024
PASSWORDS_DIFFER = "The two new passwords are not the same: type the new one twice."


@router.post("/verify-email/resend")
async def resend_verification(
    request: Request,
    form: PostedForm,
    user: SignedIn,
    db: SessionDep,
    sessions: SessionmakerDep,
    reader: RawReaderDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> Response:
    # Back where the button was (the profile, or an event that asked for a confirmed address).
    back = safe_next(str(form.get("next") or "")) or PROFILE
    try:
        message_id = await verification.resend_verification(
            db, sessions, settings_of(request), user
        )
    except InvalidState:  # confirmed meanwhile (another tab): nothing to send
        return redirect(back, flash_key="already-verified")
    except AppError as refused:  # too many in an hour
        said = wait_sentence(refused.message, refused.headers)
        response = await profile_page(
            request,
            user,
            db,
            reader,
            account=AccountForms(verification_error=said),
            status_code=refused.status_code,
        )
        response.headers.update(refused.headers or {})
        return response
    background.add_task(enqueue_mail, jobs, [message_id])
    return redirect(back, flash_key="verification-sent")


@router.post("/profile/password")
async def change_password(
    request: Request,
    form: PostedForm,
    user: SignedIn,
    token: RequestToken,
    address: ClientAddress,
    db: SessionDep,
    sessions: SessionmakerDep,
    reader: RawReaderDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> Response:
    typed = {name: str(form.get(name) or "")[:_MAX_FIELD] for name in PASSWORD_FIELDS}

    async def again(forms: AccountForms, status_code: int = 422) -> Response:
        return await profile_page(request, user, db, reader, account=forms, status_code=status_code)

    if typed["new_password"] != typed["new_password_again"]:
        return await again(AccountForms(password_errors={"new_password_again": PASSWORDS_DIFFER}))
    try:
        body = PasswordChangeIn.model_validate(
            {name: typed[name] for name in ("current_password", "new_password")}
        )
        message_ids = await account.change_password(
            db,
            sessions,
            settings_of(request),
            user,
            current_password=body.current_password,
            new_password=body.new_password,
            current_token=token,
            client_address=address,
        )
    except ValidationError as invalid:
        return await again(AccountForms(password_errors=_password_errors(invalid.errors())))
    except AppError as refused:  # wrong current password, too short, throttled, CAS account
        errors = _password_errors(refused.details) if refused.status_code == 422 else {}
        waiting = refused.status_code in WAIT_STATUSES
        said = wait_sentence(refused.message, refused.headers) if waiting else refused.message
        response = await again(
            AccountForms(password_errors=errors, password_error=None if errors else sentence(said)),
            status_code=refused.status_code if waiting else 422,
        )
        response.headers.update(refused.headers or {})
        return response
    background.add_task(enqueue_mail, jobs, message_ids)
    return redirect(PROFILE, flash_key="password-changed")


def _password_errors(details: object) -> dict[str, str]:
    """Messages per field of the form; the password policy names the new one ``password``."""
    found = field_errors(details, ("current_password", "new_password", "password"))
    if "password" in found:
        found.setdefault("new_password", found.pop("password"))
    return found


@router.post("/profile/sign-out-everywhere")
async def sign_out_everywhere(
    request: Request, form: PostedForm, user: SignedIn, db: SessionDep
) -> Response:
    await account.sign_out_everywhere(db, user)
    response = redirect("/sign-in", flash_key="signed-out-everywhere")
    clear_session_cookie(response, settings_of(request))
    return response
