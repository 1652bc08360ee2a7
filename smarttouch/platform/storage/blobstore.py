"""Content-addressed blob store for raw recordings and solution code.

A blob's key is the lowercase hex SHA-256 of its bytes; it is stored at
``<root>/<k[0:2]>/<k[2:4]>/<k>``. Writes go to a temporary file in the same folder and are
renamed into place, so readers never see a half-written blob and concurrent writers of the
same content are harmless. An S3-compatible store can replace it behind the same methods.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

EXTENSION_KEY = "smarttouch.blobstore"
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class BlobNotFound(KeyError):
    """No blob with that key."""


class BlobStore:
    """Filesystem blob store rooted at ``root``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    @staticmethod
    def key_for(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def path_for(self, key: str) -> Path:
        """Where ``key`` lives; raises ValueError for anything but a SHA-256 hex digest."""
        if not isinstance(key, str) or not _SHA256_RE.match(key):
            raise ValueError(f"not a blob key (64 lowercase hex characters): {key!r}")
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        """Store ``data``; return its SHA-256 key. Storing the same bytes twice is a no-op."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"blob data must be bytes, not {type(data).__name__}")
        data = bytes(data)
        key = self.key_for(data)
        path = self.path_for(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; raises :class:`BlobNotFound`."""
        path = self.path_for(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def delete(self, key: str) -> bool:
        """Remove the blob; return whether it existed."""
        path = self.path_for(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def size(self, key: str) -> int:
        """Size in bytes; raises :class:`BlobNotFound`."""
        try:
            return self.path_for(key).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(key) from None


# The Flask glue below imports Flask only when called, so the services that take a BlobStore
# load no Flask (tests/platform/test_services_no_flask.py).
def init_app(app: Flask) -> BlobStore:
    store = BlobStore(app.config["BLOB_PATH"])
    app.extensions[EXTENSION_KEY] = store
    return store


def get_blobstore(app: Flask | None = None) -> BlobStore:
    from flask import current_app

    return (app or current_app).extensions[EXTENSION_KEY]
