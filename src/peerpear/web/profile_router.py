"""The signed-in person's own profile (``/profile``): their name (``PATCH /api/v1/me``) and the
profile the pairing reads (``PUT /api/v1/me/profile``: class year, major, hobbies, bio), on one
form, checked by the API's schemas and saved by the ``me`` service; their organizations; and
their account (profile_account_router.py: the address's confirmation, the password, sessions).

Nothing is saved unless both parts are valid: a mistake in the bio does not half-save the name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from peerpear.auth import service as auth_service
from peerpear.deps import RawReaderDep, SessionDep
from peerpear.me import service
from peerpear.me.schemas import MAX_HOBBIES, MePatch, ProfileIn, class_year_range
from peerpear.models import User
from peerpear.organizations.service import list_mine
from peerpear.raw_reads import RawReader
from peerpear.schemas_common import Pagination
from peerpear.web.deps import (
    PostedForm,
    SignedIn,
    page,
    redirect,
    settings_of,
)
from peerpear.web.text import readable, sentence

router = APIRouter(include_in_schema=False)

NAME_FIELDS = ("first_name", "last_name")
PROFILE_FIELDS = ("class_year", "major", "hobbies", "bio")
FIELDS = NAME_FIELDS + PROFILE_FIELDS
# Longest value a field passes on to the schemas, whose own limits are far below.
_MAX_FIELD = 50_000
# The page lists this many of the person's organizations.
ORGANIZATIONS_SHOWN = 100
NOT_A_YEAR = "Enter a year as a number, for example 2027."


def _hobby_lines(text: str) -> list[str]:
    """The hobbies textarea, one per line (blank lines are not hobbies)."""
    return [line for line in text.splitlines() if line.strip()]


def _errors(invalid: ValidationError) -> dict[str, str]:
    """The schema's first message per form field; a hobby's says which (blank lines skipped)."""
    found: dict[str, str] = {}
    for item in invalid.errors():
        loc = item["loc"]
        name = str(loc[0]) if loc else ""
        if name not in FIELDS or name in found:
            continue
        message = readable(item)
        if name == "class_year" and item["type"].startswith("int_"):
            message = NOT_A_YEAR
        elif name == "hobbies" and len(loc) > 1:
            message = f"hobby {int(loc[1]) + 1}: {message}"
        found[name] = sentence(message)
    return found


def _validated(typed: dict[str, str]) -> tuple[MePatch, ProfileIn] | dict[str, str]:
    """The two API bodies from the form, or the errors per field of both."""
    errors: dict[str, str] = {}
    patch = profile = None
    try:
        patch = MePatch.model_validate({name: typed[name] for name in NAME_FIELDS})
    except ValidationError as invalid:
        errors |= _errors(invalid)
    try:
        profile = ProfileIn.model_validate(
            {
                "class_year": typed["class_year"].strip() or None,
                "major": typed["major"],
                "hobbies": _hobby_lines(typed["hobbies"]),
                "bio": typed["bio"],
            }
        )
    except ValidationError as invalid:
        errors |= _errors(invalid)
    if patch is None or profile is None:
        return errors
    return patch, profile


@dataclass(frozen=True)
class AccountForms:
    """The refusals shown in the account part of the page (profile_account_router.py)."""

    password_errors: dict[str, str] = field(default_factory=dict)
    password_error: str | None = None
    verification_error: str | None = None


async def _has_password(db: AsyncSession, user: User) -> bool:
    """Whether ``user`` signs in with a password (CAS accounts have none to change)."""
    credentials = await auth_service.local_credentials(db, user.email)
    return credentials is not None and credentials.user_id == user.id


async def _profile_page(
    request: Request,
    user: User,
    db: AsyncSession,
    reader: RawReader,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    account: AccountForms | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    organizations = await list_mine(reader, user, Pagination(limit=ORGANIZATIONS_SHOWN, offset=0))
    low, high = class_year_range()
    return page(
        request,
        "profile.html",
        title="Your profile",
        user=user,
        status_code=status_code,
        current="profile",
        values=values,
        errors=errors or {},
        organizations=organizations.items,
        organization_total=organizations.total,
        year_low=low,
        year_high=high,
        max_hobbies=MAX_HOBBIES,
        verified=user.email_verified_at is not None,
        has_password=settings_of(request).allow_local_accounts and await _has_password(db, user),
        min_password=settings_of(request).min_password_length,
        account=account or AccountForms(),
    )


async def _stored_values(db: AsyncSession, user: User) -> dict[str, str]:
    profile = await service.get_profile(db, user)
    values: dict[str, Any] = {"first_name": user.first_name, "last_name": user.last_name}
    values |= {
        "class_year": "" if profile is None or profile.class_year is None else profile.class_year,
        "major": (profile.major if profile is not None else None) or "",
        "hobbies": "\n".join(profile.hobbies if profile is not None else []),
        "bio": profile.bio if profile is not None else "",
    }
    return {k: str(v) for k, v in values.items()}


async def profile_page(
    request: Request,
    user: User,
    db: AsyncSession,
    reader: RawReader,
    *,
    account: AccountForms | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """The profile as stored, with the account part's refusals (the account routes' answer)."""
    values = await _stored_values(db, user)
    return await _profile_page(
        request, user, db, reader, values, account=account, status_code=status_code
    )


def _typed(form: FormData) -> dict[str, str]:
    return {name: str(form.get(name) or "")[:_MAX_FIELD] for name in FIELDS}


@router.get("/profile")
async def profile_form(
    request: Request, user: SignedIn, db: SessionDep, reader: RawReaderDep
) -> Response:
    return await profile_page(request, user, db, reader)


@router.post("/profile")
async def save_profile(
    request: Request, form: PostedForm, user: SignedIn, db: SessionDep, reader: RawReaderDep
) -> Response:
    typed = _typed(form)
    checked = _validated(typed)
    if isinstance(checked, dict):
        return await _profile_page(
            request,
            user,
            db,
            reader,
            typed,
            errors=checked,
            status_code=422,
        )
    patch, profile = checked
    await service.update_me(db, user, patch)
    await service.put_profile(db, user, profile)
    return redirect("/profile", flash_key="profile-saved")
