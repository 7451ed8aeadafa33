"""Event images: real PNG, JPEG and WebP accepted and re-encoded without metadata; anything
else refused with the right status; replaced and removed files deleted; served with caching
headers to whoever can see the event."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from peerpear.models import Event, EventStatus
from tests.conftest import TEST_MEDIA_DIR
from tests.events.helpers import Club, image_bytes, make_club
from tests.factories import create_event

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def _upload(data: bytes, name: str = "banner.png", ctype: str = "image/png") -> dict[str, Any]:
    return {"file": (name, data, ctype)}


async def _event(session: AsyncSession, club: Club, **fields: Any) -> Event:
    return await create_event(session, club.org, status=EventStatus.OPEN, **fields)


def _stored(event_json: dict[str, Any]) -> list[Path]:
    return sorted((TEST_MEDIA_DIR / "events" / str(event_json["id"])).glob("*"))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
async def test_upload_and_serve_each_format(
    client: httpx.AsyncClient, session: AsyncSession, fmt: str
) -> None:
    club = await make_club(session)
    event = await _event(session, club)
    data = image_bytes(fmt, (40, 30))
    # The name and declared type say PNG for every format: the content decides.
    resp = await client.put(
        f"/api/v1/events/{event.id}/image", files=_upload(data), headers=club.owner_headers
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["has_image"] is True
    assert body["image_url"].startswith(f"/api/v1/events/{event.id}/image?v=")
    served = await client.get(body["image_url"], headers=club.member_headers)
    assert served.status_code == 200
    assert served.headers["content-type"] == CONTENT_TYPES[fmt]
    assert "immutable" in served.headers["cache-control"]
    assert served.headers["cache-control"].startswith("private")
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.format == fmt and image.size == (40, 30)
    # Unversioned URL: revalidated with the ETag, which answers 304 when current.
    bare = await client.get(f"/api/v1/events/{event.id}/image", headers=club.member_headers)
    assert bare.headers["cache-control"] == "private, no-cache"
    again = await client.get(
        f"/api/v1/events/{event.id}/image",
        headers={**club.member_headers, "If-None-Match": bare.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""


async def test_metadata_is_stripped(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await make_club(session)
    event = await _event(session, club)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPS latitude
    data = image_bytes("JPEG", (20, 20), exif=exif.tobytes(), comment=b"private note")
    assert b"SecretCam" in data
    resp = await client.put(
        f"/api/v1/events/{event.id}/image", files=_upload(data, "a.jpg"), headers=club.owner_headers
    )
    assert resp.status_code == 200, resp.text
    served = (await client.get(resp.json()["image_url"], headers=club.owner_headers)).content
    assert b"SecretCam" not in served and b"private note" not in served
    with Image.open(io.BytesIO(served)) as image:
        assert not image.getexif()
        assert "exif" not in image.info and "comment" not in image.info


async def test_png_text_chunks_and_trailing_bytes_are_dropped(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    from PIL.PngImagePlugin import PngInfo

    club = await make_club(session)
    event = await _event(session, club)
    info = PngInfo()
    info.add_text("Author", "Jane Secret")
    data = image_bytes("PNG", pnginfo=info) + b"<script>appended</script>"
    resp = await client.put(
        f"/api/v1/events/{event.id}/image", files=_upload(data), headers=club.owner_headers
    )
    assert resp.status_code == 200, resp.text
    served = (await client.get(resp.json()["image_url"], headers=club.owner_headers)).content
    assert b"Jane Secret" not in served and b"appended" not in served


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"definitely not an image, but named banner.png", 415),
        (image_bytes("GIF"), 415),  # a real image, not an accepted format
        (image_bytes("PNG", (64, 64))[:60], 422),  # a PNG header, then the file is cut off
    ],
    ids=["text", "gif", "truncated-png"],
)
async def test_fakes_and_damaged_files_are_refused(
    client: httpx.AsyncClient, session: AsyncSession, data: bytes, status: int
) -> None:
    club = await make_club(session)
    event = await _event(session, club)
    resp = await client.put(
        f"/api/v1/events/{event.id}/image", files=_upload(data), headers=club.owner_headers
    )
    assert resp.status_code == status, resp.text
    assert "error" in resp.json()
    await session.refresh(event)
    assert event.image_key is None
    assert not (TEST_MEDIA_DIR / "events" / str(event.id)).exists()


@pytest.mark.parametrize("settings_overrides", [{"max_image_bytes": 4096}])
async def test_too_large_is_413(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await make_club(session)
    event = await _event(session, club)
    noisy = Image.frombytes("RGB", (64, 64), random.Random(1).randbytes(64 * 64 * 3))
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    assert len(out.getvalue()) > 4096
    resp = await client.put(
        f"/api/v1/events/{event.id}/image",
        files=_upload(out.getvalue()),
        headers=club.owner_headers,
    )
    assert resp.status_code == 413
    assert resp.json()["error"]["details"] == {"limit_bytes": 4096}


@pytest.mark.parametrize("size", [(6000, 6000), (20000, 20000)], ids=["over-setting", "bomb"])
async def test_decompression_bombs_are_refused(
    client: httpx.AsyncClient, session: AsyncSession, size: tuple[int, int]
) -> None:
    club = await make_club(session)
    event = await _event(session, club)
    data = image_bytes("PNG", size, mode="1")  # one bit per pixel: a tiny file
    assert len(data) < 200_000
    resp = await client.put(
        f"/api/v1/events/{event.id}/image", files=_upload(data), headers=club.owner_headers
    )
    assert resp.status_code == 422, resp.text
    assert "pixels" in resp.json()["error"]["message"]


async def test_replace_and_remove_delete_old_files(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await make_club(session)
    event = await _event(session, club)
    url = f"/api/v1/events/{event.id}/image"
    first = await client.put(url, files=_upload(image_bytes("PNG")), headers=club.owner_headers)
    files = _stored(first.json())
    assert len(files) == 1
    second = await client.put(url, files=_upload(image_bytes("JPEG")), headers=club.owner_headers)
    assert second.json()["image_url"] != first.json()["image_url"]
    replaced = _stored(second.json())
    assert len(replaced) == 1 and replaced != files
    old = await client.get(first.json()["image_url"], headers=club.owner_headers)
    assert old.headers["content-type"] == "image/jpeg"  # the old version is gone
    assert (await client.delete(url, headers=club.owner_headers)).status_code == 204
    assert _stored(second.json()) == []
    gone = await client.get(url, headers=club.owner_headers)
    assert gone.status_code == 404
    assert (await client.get(f"/api/v1/events/{event.id}", headers=club.owner_headers)).json()[
        "has_image"
    ] is False
    assert (await client.delete(url, headers=club.owner_headers)).status_code == 404


async def test_deleting_a_draft_deletes_its_image(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await make_club(session)
    event = await create_event(session, club.org)
    resp = await client.put(
        f"/api/v1/events/{event.id}/image",
        files=_upload(image_bytes("PNG")),
        headers=club.owner_headers,
    )
    assert len(_stored(resp.json())) == 1
    deleted = await client.delete(f"/api/v1/events/{event.id}", headers=club.owner_headers)
    assert deleted.status_code == 204
    assert _stored(resp.json()) == []


async def test_archived_events_keep_their_image(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await make_club(session)
    event = await create_event(session, club.org, status=EventStatus.ARCHIVED)
    resp = await client.put(
        f"/api/v1/events/{event.id}/image",
        files=_upload(image_bytes("PNG")),
        headers=club.owner_headers,
    )
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "invalid_state"
