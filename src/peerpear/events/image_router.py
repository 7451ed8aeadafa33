"""Routes for an event's image: upload (replace), remove, and serve."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Header, Query, Response, UploadFile

from peerpear.deps import SessionDep, SettingsDep
from peerpear.events import image_service
from peerpear.events.deps import AdminEvent, MediaDep, VisibleEvent
from peerpear.events.images import CONTENT_TYPES, clean_upload
from peerpear.events.schemas import EventOut
from peerpear.openapi import errors

router = APIRouter(tags=["events"])

# A versioned URL (?v= the current version, as in the event's image_url) never changes content:
# a new upload gets a new version. The bare URL is revalidated with the ETag.
IMMUTABLE = "private, max-age=31536000, immutable"
REVALIDATE = "private, no-cache"

_IMAGE_CONTENT = {
    ctype: {"schema": {"type": "string", "format": "binary"}}
    for ctype in sorted(CONTENT_TYPES.values())
}


@router.put(
    "/events/{event_id:int}/image",
    responses=errors(
        403,
        409,
        413,
        415,
        422,
        why={
            409: "The event is archived.",
            413: "The file is larger than `PEERPEAR_MAX_IMAGE_BYTES` (or the upload limit).",
            415: "The file is not a PNG, JPEG or WebP image (its content decides, not its name).",
            422: "The image is damaged, or has more than `PEERPEAR_MAX_IMAGE_PIXELS` pixels.",
        },
    ),
)
async def put_event_image(
    file: Annotated[UploadFile, File(description="A PNG, JPEG or WebP image.")],
    access: AdminEvent,
    db: SessionDep,
    settings: SettingsDep,
    media: MediaDep,
    background: BackgroundTasks,
) -> EventOut:
    """Set or replace the event's image (admins). The image is checked, re-encoded without its
    metadata (EXIF, location, profiles) and stored; the replaced one is deleted."""
    image = await clean_upload(file.file, settings.max_image_bytes, settings.max_image_pixels)
    event, old_key = await image_service.set_image(db, access, image, media)
    if old_key is not None:
        background.add_task(media.delete, old_key)
    return event


@router.delete(
    "/events/{event_id:int}/image",
    status_code=204,
    responses=errors(403, 409, why={409: "The event is archived."}),
)
async def delete_event_image(
    access: AdminEvent, db: SessionDep, media: MediaDep, background: BackgroundTasks
) -> Response:
    """Remove the event's image (admins; 404 when it has none)."""
    key = await image_service.remove_image(db, access)
    background.add_task(media.delete, key)
    return Response(status_code=204)


@router.get(
    "/events/{event_id:int}/image",
    response_class=Response,
    responses={
        200: {"description": "The image.", "content": _IMAGE_CONTENT},
        304: {"description": "Not modified (the `If-None-Match` ETag is current)."},
    },
)
async def get_event_image(
    access: VisibleEvent,
    media: MediaDep,
    v: Annotated[
        str | None, Query(max_length=64, description="The image version from `image_url`.")
    ] = None,
    if_none_match: Annotated[str | None, Header(max_length=1024)] = None,
) -> Response:
    """The event's image, for whoever can see the event (404 when it has none)."""
    image = await image_service.read_image(access, media)
    headers = {
        "ETag": image.etag,
        "Cache-Control": IMMUTABLE if v == image.version else REVALIDATE,
    }
    if if_none_match is not None and image.etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(image.data, media_type=image.content_type, headers=headers)
