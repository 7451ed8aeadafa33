"""Event images: checked as real PNG, JPEG or WebP images, re-encoded, stored, served.

An upload is never trusted: its name and declared content type are ignored, the bytes must
decode (Pillow) as one of the three formats, with at most ``PEERPEAR_MAX_IMAGE_PIXELS`` pixels
(checked from the header, before decoding: a few KiB of PNG can decode to gigabytes), and what
is stored is a fresh encoding of the pixels alone, so EXIF (GPS position, camera serial), ICC
profiles, text chunks and anything appended to the file are dropped. The EXIF orientation is
applied first so photos stay upright. Animated images keep their first frame. Decoding runs in a
worker thread: it is CPU work that must not stall the event loop.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from typing import BinaryIO

from anyio import to_thread
from PIL import Image, ImageOps, UnidentifiedImageError

from peerpear.errors import AppError, ValidationFailed

# Pillow format -> (content type, file suffix, save options)
FORMATS: dict[str, tuple[str, str, dict[str, object]]] = {
    "PNG": ("image/png", "png", {"optimize": True}),
    "JPEG": ("image/jpeg", "jpg", {"quality": 88, "optimize": True}),
    "WEBP": ("image/webp", "webp", {"quality": 88, "method": 4}),
}
CONTENT_TYPES = {suffix: ctype for ctype, suffix, _ in FORMATS.values()}


class ImageTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedImage(AppError):
    status_code = 415
    code = "unsupported_media_type"


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    suffix: str
    width: int
    height: int


def read_bounded(file: BinaryIO, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of the upload; 413 when there is more."""
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageTooLarge(
            f"the image is larger than {max_bytes} bytes", details={"limit_bytes": max_bytes}
        )
    return data


def _pixels_only(image: Image.Image, target: str) -> Image.Image:
    """A new image holding only the pixels (no info, EXIF, ICC, palette tricks)."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if target == "JPEG":
        mode = "L" if image.mode in ("1", "L") else "RGB"
    elif image.mode in ("1", "L", "RGB", "RGBA", "LA"):
        mode = image.mode if image.mode != "1" else "L"
    else:
        mode = "RGBA" if has_alpha else "RGB"
    converted = image.convert(mode)
    clean = Image.new(mode, converted.size)
    clean.paste(converted)
    return clean


def _too_many_pixels(width: int | None, height: int | None, max_pixels: int) -> ValidationFailed:
    size = f"{width}x{height} pixels" if width is not None else "too many pixels"
    return ValidationFailed(
        f"the image has {size}, more than the {max_pixels} allowed",
        details={"width": width, "height": height, "max_pixels": max_pixels},
    )


def clean_image(data: bytes, max_pixels: int) -> CleanImage:
    """Verify and re-encode ``data``: 415 when it is not a PNG, JPEG or WebP image, 422 when it
    is broken or has more than ``max_pixels`` pixels."""
    try:
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except UnidentifiedImageError:
        raise UnsupportedImage(
            "the file is not a PNG, JPEG or WebP image",
            details={"allowed": sorted(CONTENT_TYPES.values())},
        ) from None
    except Image.DecompressionBombError:  # far beyond any max_pixels allowed (Pillow's own cap)
        raise _too_many_pixels(None, None, max_pixels) from None
    with image:
        fmt = image.format or ""
        width, height = image.size
        if width * height > max_pixels:
            raise _too_many_pixels(width, height, max_pixels)
        try:
            image.seek(0)
            image.load()
            upright = ImageOps.exif_transpose(image)
            clean = _pixels_only(upright, fmt)
        except (OSError, SyntaxError, ValueError) as exc:
            raise ValidationFailed(
                "the image is damaged and cannot be read", details={"reason": str(exc)[:200]}
            ) from None
    content_type, suffix, options = FORMATS[fmt]
    out = io.BytesIO()
    clean.save(out, format=fmt, **options)
    return CleanImage(out.getvalue(), content_type, suffix, width=clean.width, height=clean.height)


async def clean_upload(file: BinaryIO, max_bytes: int, max_pixels: int) -> CleanImage:
    def work() -> CleanImage:
        return clean_image(read_bounded(file, max_bytes), max_pixels)

    return await to_thread.run_sync(work)


def new_key(event_id: int, suffix: str) -> str:
    return f"events/{event_id}/{secrets.token_hex(12)}.{suffix}"


def content_type_of(key: str) -> str:
    return CONTENT_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")
