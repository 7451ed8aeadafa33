"""Joining an organization by invite link: ``/join/{code}`` shows where the code leads, and its
form joins through the API's join service (``organizations.invites``), with its throttle.

Links made by the API read ``/join?code=...``; that form redirects here. Looking at a code
counts like a try when the code does not work, so the page cannot be used to scan codes.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from peerpear.auth.deps import ClientAddress
from peerpear.deps import SessionDep, SessionmakerDep
from peerpear.errors import AppError, NotFound
from peerpear.models import Organization, User
from peerpear.organizations import invites
from peerpear.organizations.access import get_membership
from peerpear.organizations.schemas import JoinIn
from peerpear.web.deps import (
    PostedForm,
    SignedIn,
    page,
    redirect,
    settings_of,
)
from peerpear.web.text import WAIT_STATUSES, is_unverified, sentence, unverified_sentence

router = APIRouter(include_in_schema=False)

_TITLES = {404: "Unknown invite link", 410: "This invite link no longer works"}


def _refused(request: Request, user: User, refused: AppError) -> Response:
    """A code that does not work (404 unknown, 410 revoked, expired or used up, 429 too many
    tries) as a page with that status, saying what to do."""
    if is_unverified(refused):
        return page(
            request,
            "error.html",
            title="Confirm your email address first",
            user=user,
            status_code=refused.status_code,
            message=unverified_sentence(user.email, "on your profile"),
            back_url="/profile#verification-heading",
            back_label="Send a new confirmation link from your profile",
        )
    response = page(
        request,
        "error.html",
        title=_TITLES.get(refused.status_code, "Too many invite codes that did not work"),
        user=user,
        status_code=refused.status_code,
        message=sentence(refused.message),
        back_url="/events",
        back_label="Back to your events",
    )
    if refused.status_code in WAIT_STATUSES:
        response.headers.update(refused.headers or {})
    return response


def _as_not_found() -> AppError:
    """A code too long or blank to be any invite's: the same answer as an unknown one."""
    return NotFound(invites.UNKNOWN_CODE, details={"reason": "unknown"})


@router.get("/join")
async def join_link(request: Request) -> Response:
    """The API's invite links (``/join?code=...``) open the join page."""
    code = request.query_params.get("code") or ""
    return redirect("/join/" + quote(code, safe="") if code else "/events")


@router.get("/join/{code}")
async def join_page(
    request: Request,
    code: str,
    user: SignedIn,
    db: SessionDep,
    sessions: SessionmakerDep,
    address: ClientAddress,
) -> Response:
    try:
        checked = JoinIn(code=code)
        invite = await invites.usable_invite(
            db, sessions, settings_of(request), user, checked.code, address
        )
    except ValidationError:
        return _refused(request, user, _as_not_found())
    except AppError as refused:
        return _refused(request, user, refused)
    organization = await db.get(Organization, invite.organization_id)
    assert organization is not None  # the invite's foreign key
    member = await get_membership(db, user.id, organization.id) is not None
    return page(
        request,
        "join.html",
        title=f"Join {organization.name}",
        user=user,
        organization=organization,
        code=code,
        already_member=member,
    )


@router.post("/join/{code}")
async def join(
    request: Request,
    form: PostedForm,
    code: str,
    user: SignedIn,
    db: SessionDep,
    sessions: SessionmakerDep,
    address: ClientAddress,
) -> Response:
    try:
        checked = JoinIn(code=code)
        joined = await invites.join(db, sessions, settings_of(request), user, checked.code, address)
    except ValidationError:
        return _refused(request, user, _as_not_found())
    except AppError as refused:
        # Nothing of a failed join may be committed (a membership inserted before the invite
        # turned out used up by a concurrent join): undo it, then show the page.
        await db.rollback()
        await db.refresh(user)
        return _refused(request, user, refused)
    return redirect("/events", flash_key="joined" if joined.joined else "already-member")
