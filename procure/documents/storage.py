"""Content-addressed blob storage for uploaded documents.

A blob's key is the SHA-256 of its bytes, so the same file uploaded twice is stored once, a
stored file can be checked against its key at any time, and a key names exactly one content
(what a bid opening record needs to cite).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

_KEY = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class StoredBlob:
    key: str  # hex SHA-256 of the bytes
    size: int
    sha256: str


@runtime_checkable
class Storage(Protocol):
    def put(self, chunks: Iterable[bytes]) -> StoredBlob: ...

    def open(self, key: str) -> BinaryIO: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


class LocalStorage(Storage):
    """Blobs on a local disk under ``root/blobs/ab/cd/<sha256>``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._blobs = self.root / "blobs"
        self._blobs.mkdir(parents=True, exist_ok=True)

    def put(self, chunks: Iterable[bytes]) -> StoredBlob:
        digest = hashlib.sha256()
        size = 0
        # The key is known only at the end, so write under a temporary name on the same file
        # system and rename: readers never see half a blob, and os.replace is atomic.
        handle = tempfile.NamedTemporaryFile(dir=self._blobs, prefix=".put-", delete=False)
        temp = Path(handle.name)
        try:
            with handle:
                for chunk in chunks:
                    digest.update(chunk)
                    handle.write(chunk)
                    size += len(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            key = digest.hexdigest()
            target = self._path(key)
            if target.exists():
                temp.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return StoredBlob(key=key, size=size, sha256=key)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        # Keys reach here from URLs and database rows; only a bare digest may become a path.
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError(f"not a blob key: {key!r}")
        return self._blobs / key[:2] / key[2:4] / key
