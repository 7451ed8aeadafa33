"""Setting, removing and reading an event's image (the checks are in images.py).

Files and rows change together as far as two systems allow: a new file is written before its
row points at it (and removed again if the row cannot be written), and an old file is removed
only after the transaction that stopped pointing at it has committed (the router schedules it
as a background task, which runs once the response, hence the commit, is done). A crash between
the two leaves an unreferenced file, never a row pointing at nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.errors import InvalidState, NotFound
from peerpear.events.access import EventAccess
from peerpear.events.images import CleanImage, content_type_of, new_key
from peerpear.events.schemas import EventOut
from peerpear.events.service import audit_event, image_version, to_out
from peerpear.media import MediaStorage
from peerpear.models import EventStatus

NO_IMAGE = "this event has no image"


@dataclass(frozen=True)
class StoredImage:
    data: bytes
    content_type: str
    etag: str
    version: str


def _ensure_changeable(access: EventAccess) -> None:
    if access.event.status is EventStatus.ARCHIVED:
        raise InvalidState("an archived event cannot be changed", details={"status": "archived"})


async def set_image(
    db: AsyncSession, access: EventAccess, image: CleanImage, storage: MediaStorage
) -> tuple[EventOut, str | None]:
    """Store ``image`` as the event's image; the event and the replaced image's key (if any)."""
    _ensure_changeable(access)
    event = access.event
    old_key = event.image_key
    key = new_key(event.id, image.suffix)
    await storage.save(key, image.data)
    try:
        event.image_key = key
        audit_event(
            db,
            access.user,
            event,
            "event.image.set",
            content_type=image.content_type,
            width=image.width,
            height=image.height,
            bytes=len(image.data),
            replaced=old_key is not None,
        )
        await db.flush()
        await db.refresh(event)
    except BaseException:
        await storage.delete(key)
        raise
    return to_out(event), old_key


async def remove_image(db: AsyncSession, access: EventAccess) -> str:
    """Stop pointing at the image; its key, to delete once committed. 404 without one."""
    _ensure_changeable(access)
    event = access.event
    if event.image_key is None:
        raise NotFound(NO_IMAGE)
    key = event.image_key
    event.image_key = None
    audit_event(db, access.user, event, "event.image.remove")
    await db.flush()
    return key


async def read_image(access: EventAccess, storage: MediaStorage) -> StoredImage:
    key = access.event.image_key
    data = await storage.load(key) if key is not None else None
    if key is None or data is None:
        raise NotFound(NO_IMAGE)
    version = image_version(key)
    return StoredImage(data, content_type_of(key), etag=f'"{version}"', version=version)
