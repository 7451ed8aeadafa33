"""Route dependencies for paths with an ``{event_id}`` (rules in events/access.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from peerpear.auth.deps import CurrentUser
from peerpear.deps import SessionDep, SessionmakerDep, SettingsDep, id_path
from peerpear.events.access import EventAccess, event_access
from peerpear.media import LocalDiskStorage, MediaStorage

EventIdPath = Annotated[int, id_path("Event id.")]


async def _visible_event(
    event_id: EventIdPath, user: CurrentUser, db: SessionDep, sessions: SessionmakerDep
) -> EventAccess:
    return await event_access(db, sessions, user, event_id, admin=False)


async def _admin_event(
    event_id: EventIdPath, user: CurrentUser, db: SessionDep, sessions: SessionmakerDep
) -> EventAccess:
    return await event_access(db, sessions, user, event_id, admin=True)


# Anyone who can see the event (404 for the others).
VisibleEvent = Annotated[EventAccess, Depends(_visible_event)]
# Admins of its organization: 403 for those who can see it, 404 for the others.
AdminEvent = Annotated[EventAccess, Depends(_admin_event)]


async def get_media_storage(settings: SettingsDep) -> MediaStorage:
    """Where event images are stored (local disk under ``PEERPEAR_MEDIA_DIR``)."""
    return LocalDiskStorage(settings.media_dir)


MediaDep = Annotated[MediaStorage, Depends(get_media_storage)]
