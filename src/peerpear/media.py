"""Stored media files (event images) behind a tiny interface, local disk by default.

Keys are relative paths made by the server (``events/12/3f9c....png``), never by a client, so a
key cannot climb out of the media directory; the check in :meth:`LocalDiskStorage._path` makes
sure anyway. File work runs in a worker thread: disk I/O must not hold up the event loop.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

from anyio import to_thread


class MediaStorage(Protocol):
    async def save(self, key: str, data: bytes) -> None: ...

    async def load(self, key: str) -> bytes | None:
        """The stored bytes, or None when there is no such file."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the file; a missing file is not an error."""
        ...


class LocalDiskStorage:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"media key outside the media directory: {key!r}")
        return path

    def _save(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written to a temporary file and renamed: a reader never sees half an image.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _load(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def _delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    async def save(self, key: str, data: bytes) -> None:
        await to_thread.run_sync(self._save, key, data)

    async def load(self, key: str) -> bytes | None:
        return await to_thread.run_sync(self._load, key)

    async def delete(self, key: str) -> None:
        await to_thread.run_sync(self._delete, key)
