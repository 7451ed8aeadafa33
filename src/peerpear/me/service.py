"""Reading and changing the signed-in user's own account and profile."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.me.schemas import MePatch, ProfileIn
from peerpear.models import Profile, User


async def update_me(db: AsyncSession, user: User, patch: MePatch) -> User:
    changes = patch.model_dump(exclude_unset=True, exclude_none=True)
    for field, value in changes.items():
        setattr(user, field, value)
    await db.flush()
    return user


async def get_profile(db: AsyncSession, user: User) -> Profile | None:
    return await db.get(Profile, user.id)


async def put_profile(db: AsyncSession, user: User, data: ProfileIn) -> Profile:
    """Replace the profile whole, creating it on first write."""
    profile = await db.get(Profile, user.id)
    if profile is None:
        profile = Profile(user_id=user.id)
        db.add(profile)
    profile.class_year = data.class_year
    profile.major = data.major
    profile.hobbies = list(data.hobbies)
    profile.bio = data.bio
    await db.flush()
    return profile
