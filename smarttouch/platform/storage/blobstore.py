"""Content-addressed blob store for raw recordings, solution code and artifacts.

A blob's key is the lowercase hex SHA-256 of its bytes. :class:`BlobStore` is the interface;
two backends implement it, chosen by ``SMARTTOUCH_BLOB_URL`` (:func:`open_blobstore`):

* :class:`FolderBlobStore` (``file:///path``, the default ``<instance>/blobs``): a blob lives
  at ``<root>/<k[0:2]>/<k[2:4]>/<k>``. Writes go to a temporary file in the store and are
  renamed into place, so readers never see a half-written blob and concurrent writers of the
  same content are harmless.
* :class:`S3BlobStore` (``s3://bucket/prefix``): S3-compatible object storage (AWS S3, MinIO,
  Ceph) through boto3, same layout under the prefix. Endpoint, region and credentials come
  from the usual AWS environment (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
  ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, profiles, instance roles).

Both backends behave alike: a put of bytes already stored is a no-op returning the same key;
a missing blob is :class:`BlobNotFound` (a ``KeyError``) from ``get``/``open``/``size``;
anything but a SHA-256 hex digest as a key is a ``ValueError``. Large blobs stream both ways:
:meth:`BlobStore.put_stream` hashes while it writes (S3: multipart upload of 8 MiB parts; a
stream's peak memory is bounded, measured at 57-59 MiB of Python allocations for 64-256 MiB
streams, 8 MiB for a folder) and :meth:`BlobStore.open` returns a file-like reader (not
seekable), optionally checking the hash as it is read (:class:`BlobCorrupt` at the end when
the bytes do not hash to the key).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from flask import Flask

EXTENSION_KEY = "smarttouch.blobstore"
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
#: Bytes read or written per step when streaming; also the S3 multipart part size.
CHUNK_BYTES = 8 * 1024 * 1024


class BlobNotFound(KeyError):
    """No blob with that key (in either backend)."""


class BlobCorrupt(ValueError):
    """The bytes read or written do not hash to the blob's key."""


class BlobTooLarge(ValueError):
    """A streamed blob went over the caller's size limit (nothing was stored)."""


def check_key(key: object) -> str:
    """``key`` when it is a SHA-256 hex digest; ValueError otherwise (no path tricks)."""
    if not isinstance(key, str) or not _SHA256_RE.match(key):
        raise ValueError(f"not a blob key (64 lowercase hex characters): {key!r}")
    return key


class HashingReader:
    """A read-only file wrapper that hashes (SHA-256) and counts what passes through.

    Args:
        raw: the underlying binary file object.
        expected: the key the bytes must hash to; :class:`BlobCorrupt` is raised by the
            read that reaches the end when they do not (so an upload reading through this
            fails before it completes, and nothing wrong is stored).
        max_bytes: raise :class:`BlobTooLarge` once more than this many bytes were read.
    """

    def __init__(self, raw: IO[bytes], *, expected: str | None = None, max_bytes: int | None = None) -> None:
        self.raw = raw
        self.expected = expected
        self.max_bytes = max_bytes
        self.hash = hashlib.sha256()
        self.bytes_read = 0
        self.finished = False

    def read(self, size: int | None = -1) -> bytes:
        data = self.raw.read() if size is None or size < 0 else self.raw.read(size)
        if data:
            self.hash.update(data)
            self.bytes_read += len(data)
            if self.max_bytes is not None and self.bytes_read > self.max_bytes:
                raise BlobTooLarge(f"blob larger than {self.max_bytes} bytes")
        if not data or size is None or size < 0:
            self._finish()
        return data

    def _finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        if self.expected is not None and self.hexdigest() != self.expected:
            raise BlobCorrupt(
                f"blob {self.expected[:12]}: its bytes hash to {self.hexdigest()[:12]}, not to its key"
            )

    def hexdigest(self) -> str:
        return self.hash.hexdigest()

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> HashingReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BlobStore(ABC):
    """The content-addressed store's interface (see the module docstring)."""

    #: ``file:///...`` or ``s3://bucket/prefix``: where this store lives.
    url: str

    @staticmethod
    def key_for(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def put(self, data: bytes) -> str:
        """Store ``data``; return its SHA-256 key. Storing the same bytes twice is a no-op."""
        return self.put_new(data)[0]

    def put_new(self, data: bytes, *, key: str | None = None) -> tuple[str, bool]:
        """Like :meth:`put`, also telling whether this call wrote the blob (``False``: it was
        already there). One existence check, so callers need no ``exists`` of their own (on
        object storage each check is a round trip). ``key``: ``key_for(data)`` when the
        caller has just computed it (an upload hashes its recording once, not twice)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"blob data must be bytes, not {type(data).__name__}")
        data = bytes(data)
        key = check_key(key) if key is not None else self.key_for(data)
        return key, self._write_new(key, data)

    def _write_new(self, key: str, data: bytes) -> bool:
        """Store ``data`` under ``key`` unless a blob is there; whether this call wrote it."""
        if self.exists(key):
            return False
        self._write_bytes(key, data)
        return True

    @abstractmethod
    def _write_bytes(self, key: str, data: bytes) -> None:
        """Store ``data`` (already hashed to ``key``) under ``key``."""

    @abstractmethod
    def put_stream(self, fileobj: IO[bytes], *, key: str | None = None, max_bytes: int | None = None) -> str:
        """Store what ``fileobj`` yields until its end, hashing as it streams; return the key.

        With ``key`` (known in advance, e.g. when copying between stores) a blob already
        there is left alone without reading ``fileobj``, and bytes that do not hash to
        ``key`` raise :class:`BlobCorrupt` and store nothing. ``max_bytes``: raise
        :class:`BlobTooLarge` (nothing stored) beyond it."""

    @abstractmethod
    def open(self, key: str, *, verify: bool = False) -> BinaryIO:
        """A binary reader of the blob (close it, or use ``with``); :class:`BlobNotFound`.

        With ``verify`` the read that reaches the end raises :class:`BlobCorrupt` when the
        bytes do not hash to ``key``."""

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; raises :class:`BlobNotFound`."""
        with self.open(key) as fh:
            return fh.read()

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def size(self, key: str) -> int:
        """Size in bytes; raises :class:`BlobNotFound`."""

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove the blob; return whether it existed."""

    @abstractmethod
    def keys(self) -> Iterator[str]:
        """Every stored key (in no particular order)."""

    def verify(self, key: str) -> bool:
        """Whether the blob is there and its bytes hash to ``key`` (streamed, not buffered)."""
        try:
            with self.open(key) as fh:
                reader = HashingReader(fh)
                while reader.read(CHUNK_BYTES):
                    pass
        except BlobNotFound:
            return False
        return reader.hexdigest() == key

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"


def _verifying(fh: Any, key: str, verify: bool) -> BinaryIO:
    """``fh`` as the reader :meth:`BlobStore.open` returns (checking the hash if asked)."""
    return HashingReader(fh, expected=key if verify else None)  # type: ignore[return-value]


class FolderBlobStore(BlobStore):
    """Filesystem blob store rooted at ``root`` (``file://`` URLs)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.url = self.root.absolute().as_uri()

    def path_for(self, key: str) -> Path:
        """Where ``key`` lives; raises ValueError for anything but a SHA-256 hex digest."""
        key = check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def _tempfile(self, folder: Path) -> tuple[int, str]:
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(dir=folder, prefix=".tmp-")

    def _write_bytes(self, key: str, data: bytes) -> None:
        path = self.path_for(key)
        fd, tmp = self._tempfile(path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_stream(self, fileobj: IO[bytes], *, key: str | None = None, max_bytes: int | None = None) -> str:
        if key is not None and self.exists(key):
            return key
        reader = HashingReader(fileobj, expected=key, max_bytes=max_bytes)
        fd, tmp = self._tempfile(self.root)
        try:
            with os.fdopen(fd, "wb") as fh:
                shutil.copyfileobj(reader, fh, CHUNK_BYTES)
                reader._finish()
                fh.flush()
                os.fsync(fh.fileno())
            final = self.path_for(reader.hexdigest())
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return reader.hexdigest()

    def open(self, key: str, *, verify: bool = False) -> BinaryIO:
        path = self.path_for(key)
        try:
            fh = path.open("rb")
        except FileNotFoundError:
            raise BlobNotFound(key) from None
        return _verifying(fh, key, verify)

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def delete(self, key: str) -> bool:
        path = self.path_for(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def size(self, key: str) -> int:
        try:
            return self.path_for(key).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if not first.is_dir() or len(first.name) != 2:
                continue
            for second in sorted(first.iterdir()):
                if not second.is_dir():
                    continue
                for path in sorted(second.iterdir()):
                    if _SHA256_RE.match(path.name) and path.name.startswith(first.name + second.name):
                        yield path.name


def _s3_client(environ: Mapping[str, str]) -> Any:
    """A boto3 S3 client from the AWS environment; path-style addressing when a custom
    endpoint (MinIO, Ceph, a test server) is named, since those rarely resolve
    ``bucket.host`` names."""
    import boto3
    from botocore.config import Config

    endpoint = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL") or None
    config = Config(
        s3={"addressing_style": "path" if endpoint else "auto"},
        retries={"max_attempts": 5, "mode": "standard"},
        max_pool_connections=20,
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint, config=config)


class S3BlobStore(BlobStore):
    """Blob store in an S3 bucket under ``prefix`` (``s3://bucket/prefix`` URLs).

    Args:
        bucket: the bucket (it must exist; the hub never creates buckets).
        prefix: key prefix inside the bucket ("" for the bucket's root).
        client: a boto3 S3 client; by default one from the AWS environment.
    """

    def __init__(self, bucket: str, prefix: str = "", *, client: Any = None) -> None:
        if not bucket:
            raise ValueError("an s3:// blob URL needs a bucket: s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client if client is not None else _s3_client(os.environ)
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        from boto3.s3.transfer import TransferConfig

        self.transfer = TransferConfig(
            multipart_threshold=CHUNK_BYTES, multipart_chunksize=CHUNK_BYTES, max_concurrency=4
        )
        # s3transfer's own knob (boto3 does not pass it through): at most 4 parts of 8 MiB read
        # ahead of the upload per stream, however long the stream (its default is 10)
        self.transfer.max_in_memory_upload_chunks = 4

    def _base(self) -> str:
        return f"{self.prefix}/" if self.prefix else ""

    def object_key(self, key: str) -> str:
        """The S3 object key of blob ``key``; raises ValueError for a malformed key."""
        key = check_key(key)
        return f"{self._base()}{key[:2]}/{key[2:4]}/{key}"

    def _incoming_key(self) -> str:
        return f"{self._base()}incoming/{uuid.uuid4().hex}"

    @staticmethod
    def _missing(exc: Exception) -> bool:
        from botocore.exceptions import ClientError

        if not isinstance(exc, ClientError):
            return False
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return code in {"404", "NoSuchKey", "NotFound"} or status == 404

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=self.object_key(key)))
        except Exception as exc:
            if self._missing(exc):
                return None
            raise

    def _write_bytes(self, key: str, data: bytes) -> None:
        # the transfer's own integrity check is boto3's (a CRC by default; the standard
        # AWS_REQUEST_CHECKSUM_CALCULATION=when_required turns it off for servers that refuse it)
        self.client.put_object(Bucket=self.bucket, Key=self.object_key(key), Body=data)

    def _write_new(self, key: str, data: bytes) -> bool:
        """One conditional PUT (``If-None-Match: *``, S3's conditional write) instead of a
        HEAD and a PUT: the server refuses it (412) when the blob is already there. A server
        that ignores the condition overwrites the blob with the same bytes (harmless; the
        answer then says written). A conflicting concurrent write (409) falls back to the
        HEAD-then-PUT path."""
        from botocore.exceptions import ClientError

        try:
            self.client.put_object(Bucket=self.bucket, Key=self.object_key(key), Body=data, IfNoneMatch="*")
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if status == 412 or code == "PreconditionFailed":
                return False
            if status == 409:
                return super()._write_new(key, data)
            raise
        return True

    def put_stream(self, fileobj: IO[bytes], *, key: str | None = None, max_bytes: int | None = None) -> str:
        if key is not None and self.exists(key):
            return key
        reader = HashingReader(fileobj, expected=key, max_bytes=max_bytes)
        head = _read_up_to(reader, CHUNK_BYTES)
        rest = reader.read(1) if len(head) == CHUNK_BYTES else b""
        if not rest:  # small blob: one request, already hashed and checked
            reader._finish()
            return self.put(head)
        chained = _Chained([head, rest], reader)
        if key is not None:
            # the reader raises at the end on a wrong hash, so the multipart upload is
            # aborted and never completes under ``key``
            self.client.upload_fileobj(chained, self.bucket, self.object_key(key), Config=self.transfer)
            return key
        incoming = self._incoming_key()
        try:
            self.client.upload_fileobj(chained, self.bucket, incoming, Config=self.transfer)
            key = reader.hexdigest()
            if not self.exists(key):
                self.client.copy(
                    {"Bucket": self.bucket, "Key": incoming},
                    self.bucket,
                    self.object_key(key),
                    Config=self.transfer,
                )
        finally:
            self.client.delete_object(Bucket=self.bucket, Key=incoming)
        return key

    def open(self, key: str, *, verify: bool = False) -> BinaryIO:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except Exception as exc:
            if self._missing(exc):
                raise BlobNotFound(key) from None
            raise
        return _verifying(response["Body"], key, verify)

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise BlobNotFound(key)
        return int(head["ContentLength"])

    def delete(self, key: str) -> bool:
        if not self.exists(key):
            return False
        self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))
        return True

    def keys(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._base()):
            for item in page.get("Contents", []):
                name = str(item["Key"]).rsplit("/", 1)[-1]
                if _SHA256_RE.match(name) and item["Key"] == self.object_key(name):
                    yield name


def _read_up_to(reader: HashingReader, size: int) -> bytes:
    """Up to ``size`` bytes, fewer only at the end of the stream."""
    parts, got = [], 0
    while got < size:
        data = reader.read(size - got)
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


class _Chained:
    """Bytes already read, then the rest of a reader, as one file object for boto3. Each
    ``read(n)`` returns ``n`` bytes unless the stream ends (boto3 makes each read of a
    non-seekable stream one multipart part, and S3 refuses parts under 5 MiB but the last)."""

    def __init__(self, parts: list[bytes], reader: HashingReader) -> None:
        self.buffer = b"".join(parts)
        self.reader = reader

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            out, self.buffer = self.buffer + self.reader.read(), b""
            return out
        if len(self.buffer) < size:
            self.buffer += _read_up_to(self.reader, size - len(self.buffer))
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out

    def readable(self) -> bool:
        return True


def open_blobstore(url: str) -> BlobStore:
    """The blob store at ``url``: ``file:///abs/path`` (or a plain path) or ``s3://bucket/prefix``.

    Raises ValueError for any other scheme."""
    parts = urlsplit(url)
    if parts.scheme == "s3":
        return S3BlobStore(parts.netloc, unquote(parts.path))
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"blob URL {url!r}: a file:// URL names a local folder (file:///path)")
        return FolderBlobStore(unquote(parts.path))
    if parts.scheme == "":
        return FolderBlobStore(url)
    raise ValueError(f"blob URL {url!r}: expected file:///path or s3://bucket/prefix")


# The Flask glue below imports Flask only when called, so the services that take a BlobStore
# load no Flask (tests/platform/test_services_no_flask.py).
def init_app(app: Flask) -> BlobStore:
    store = open_blobstore(app.config["BLOB_URL"])
    app.extensions[EXTENSION_KEY] = store
    return store


def get_blobstore(app: Flask | None = None) -> BlobStore:
    from flask import current_app

    return (app or current_app).extensions[EXTENSION_KEY]
