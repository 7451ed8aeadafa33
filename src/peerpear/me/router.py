"""``/me``: the signed-in user's account and profile. Identity comes from the session only."""

from __future__ import annotations

from fastapi import APIRouter, Response

from peerpear.auth.deps import CurrentUser
from peerpear.auth.schemas import UserOut
from peerpear.deps import SessionDep
from peerpear.me import service
from peerpear.me.schemas import MePatch, ProfileIn, ProfileOut
from peerpear.responses import json_response

router = APIRouter(prefix="/me", tags=["me"])


@router.get("", response_model=UserOut)
async def get_me(user: CurrentUser) -> Response:
    """Who you are signed in as."""
    return json_response(UserOut.model_validate(user))


@router.patch("", response_model=UserOut)
async def patch_me(body: MePatch, user: CurrentUser, db: SessionDep) -> UserOut:
    """Change your first or last name (fields left out stay as they are)."""
    return UserOut.model_validate(await service.update_me(db, user, body))


@router.get("/profile", response_model=ProfileOut)
async def get_profile(user: CurrentUser, db: SessionDep) -> ProfileOut:
    """Your profile; empty fields when you have not written one yet."""
    profile = await service.get_profile(db, user)
    return ProfileOut.model_validate(profile) if profile is not None else ProfileOut()


@router.put("/profile", response_model=ProfileOut)
async def put_profile(body: ProfileIn, user: CurrentUser, db: SessionDep) -> ProfileOut:
    """Replace your profile: class year, major, hobbies and a short bio (matching signals)."""
    return ProfileOut.model_validate(await service.put_profile(db, user, body))
