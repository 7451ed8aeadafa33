"""What the events page shows besides the events themselves: their organizations' names."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import Organization

# The page lists this many events (soonest deadline first) and says how many more there are.
PAGE_SIZE = 100


async def organization_names(db: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await db.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(wanted))
    )
    return {org_id: name for org_id, name in rows.tuples()}
