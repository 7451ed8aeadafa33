"""Reading and changing the signed-in user's own account and profile."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.db import upsert_insert, utcnow
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
    """Replace the profile whole, creating it on first write.

    One upsert, so concurrent first writes (two tabs saving at once) cannot collide on the key;
    the last one wins.
    """
    now = utcnow()
    fields = {
        "class_year": data.class_year,
        "major": data.major,
        "hobbies": list(data.hobbies),
        "bio": data.bio,
    }
    stmt = (
        upsert_insert(db, Profile)
        .values(user_id=user.id, created_at=now, updated_at=now, **fields)
        .on_conflict_do_update(index_elements=[Profile.user_id], set_={**fields, "updated_at": now})
        .returning(Profile)
    )
    profile = await db.scalar(stmt, execution_options={"populate_existing": True})
    assert profile is not None  # an upsert always returns its row
    return profile
