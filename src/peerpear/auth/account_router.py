"""Account endpoints (issue 12): confirm the email address, reset a forgotten password, change
it, sign out everywhere. Thin: call a service; mail it queued is enqueued after the commit."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Response, status

from peerpear.auth import account, verification
from peerpear.auth.deps import ClientAddress, CurrentUser, RequestToken
from peerpear.auth.router import clear_session_cookie
from peerpear.auth.schemas import (
    AccountMessage,
    PasswordChangeIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    UserOut,
    VerifyEmailIn,
)
from peerpear.deps import JobsDep, SessionDep, SessionmakerDep, SettingsDep
from peerpear.mail.delivery import enqueue_mail
from peerpear.openapi import errors

router = APIRouter(prefix="/auth", tags=["sign-in"])

_LOCAL_OFF = "Local accounts are off on this server (CAS only)."


@router.post("/verify-email")
async def verify_email(body: VerifyEmailIn, db: SessionDep) -> UserOut:
    """Confirm an address with the token of the link sent to it (no sign-in needed: the link
    may be opened on another device). The account as it now is. 422 (on `token`) for a link
    that does not work: unknown, used already, expired (after
    `PEERPEAR_VERIFY_EMAIL_TTL_HOURS`), or sent to an address the account no longer has."""
    return UserOut.model_validate(await verification.verify_email(db, body.token))


@router.post(
    "/verify-email/resend",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(
        409,
        429,
        why={
            409: "The address is already confirmed.",
            429: "Too many confirmation emails asked for within an hour.",
        },
    ),
)
async def resend_verification(
    user: CurrentUser,
    db: SessionDep,
    sessions: SessionmakerDep,
    settings: SettingsDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> AccountMessage:
    """Send the signed-in user a new confirmation link (the earlier ones stop working)."""
    message_id = await verification.resend_verification(db, sessions, settings, user)
    background.add_task(enqueue_mail, jobs, [message_id])
    return AccountMessage(message=verification.VERIFICATION_SENT)


@router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(
        403,
        429,
        why={403: _LOCAL_OFF, 429: "Too many requests for this address or from this client."},
    ),
)
async def request_password_reset(
    body: PasswordResetIn,
    address: ClientAddress,
    db: SessionDep,
    sessions: SessionmakerDep,
    settings: SettingsDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> AccountMessage:
    """Email a password-reset link to the address, if it has an account with a password.

    Always 202 with the same message, whether or not the address has an account. The link
    works once, for `PEERPEAR_PASSWORD_RESET_TTL_MINUTES`; asking again replaces it. At most
    `PEERPEAR_PASSWORD_RESET_MAX_PER_EMAIL` requests per address and
    `PEERPEAR_PASSWORD_RESET_MAX_PER_ADDRESS` per client host within an hour, then 429 with
    `Retry-After` (counted for every address, with an account or not).
    """
    message_ids = await account.request_password_reset(
        db, sessions, settings, email=body.email, client_address=address
    )
    background.add_task(enqueue_mail, jobs, message_ids)
    return AccountMessage(message=account.RESET_REQUESTED)


@router.post(
    "/password-reset/confirm",
    responses={
        200: {"description": "The password is set; every session of the account has ended."},
        **errors(403, why={403: _LOCAL_OFF}),
    },
)
async def confirm_password_reset(
    body: PasswordResetConfirmIn,
    db: SessionDep,
    settings: SettingsDep,
    jobs: JobsDep,
    background: BackgroundTasks,
    response: Response,
) -> AccountMessage:
    """Set a new password with the token of a reset link: every session of the account ends
    (sign in again with the new password), the address counts as confirmed, and a notice is
    emailed. 422 on `token` for a link that does not work, on `password` for one shorter than
    `PEERPEAR_MIN_PASSWORD_LENGTH`."""
    message_ids = await account.confirm_password_reset(
        db, settings, token=body.token, password=body.password
    )
    background.add_task(enqueue_mail, jobs, message_ids)
    clear_session_cookie(response, settings)
    return AccountMessage(message="Your password is set. Sign in with it.")


@router.post(
    "/password",
    responses=errors(
        403,
        409,
        429,
        why={
            403: _LOCAL_OFF,
            409: "The account signs in with CAS and has no password.",
            429: "Too many wrong passwords (the sign-in throttle).",
        },
    ),
)
async def change_password(
    body: PasswordChangeIn,
    user: CurrentUser,
    token: RequestToken,
    address: ClientAddress,
    db: SessionDep,
    sessions: SessionmakerDep,
    settings: SettingsDep,
    jobs: JobsDep,
    background: BackgroundTasks,
) -> AccountMessage:
    """Change the signed-in user's password: the current one is required (422 on
    `current_password` when wrong, counted like a failed sign-in); every other session ends,
    this one stays; a notice is emailed."""
    message_ids = await account.change_password(
        db,
        sessions,
        settings,
        user,
        current_password=body.current_password,
        new_password=body.new_password,
        current_token=token,
        client_address=address,
    )
    background.add_task(enqueue_mail, jobs, message_ids)
    return AccountMessage(message="Your password is changed; your other sessions have ended.")


@router.post(
    "/sessions/revoke-all",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={204: {"description": "Every session ended; the session cookie is cleared."}},
)
async def sign_out_everywhere(user: CurrentUser, db: SessionDep, settings: SettingsDep) -> Response:
    """Sign out everywhere: every session of the signed-in user ends, this one included."""
    await account.sign_out_everywhere(db, user)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookie(response, settings)
    return response
