"""Content-addressed blob store for raw recordings, solution code and artifacts.

A blob's key is the lowercase hex SHA-256 of its bytes. :class:`BlobStore` is the interface;
two backends implement it, chosen by ``SMARTTOUCH_BLOB_URL`` (:func:`open_blobstore`):

* :class:`FolderBlobStore` (``file:///path``, the default ``<instance>/blobs``): a blob lives
  at ``<root>/<k[0:2]>/<k[2:4]>/<k>``. Writes go to a temporary file in the store and are
  renamed into place, so readers never see a half-written blob and concurrent writers of the
  same content are harmless.
* :class:`S3BlobStore` (``s3://bucket/prefix``): S3-compatible object storage (AWS S3, MinIO,
  Ceph) through obstore, same layout under the prefix. Endpoint, region and credentials come
  from the usual AWS environment (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
  ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, web identity, container and instance
  roles; not ``~/.aws`` profiles).

Both backends behave alike: a put of bytes already stored is a no-op returning the same key;
a missing blob is :class:`BlobNotFound` (a ``KeyError``) from ``get``/``open``/``size``;
anything but a SHA-256 hex digest as a key is a ``ValueError``. Large blobs stream both ways:
:meth:`BlobStore.put_stream` hashes while it writes (S3: multipart upload of 8 MiB parts; a
stream's peak memory is bounded, measured at 48-56 MiB of Python allocations for 64-256 MiB
streams and 11 MiB to read them back, 8 MiB for a folder) and :meth:`BlobStore.open` returns a file-like reader (not
seekable), optionally checking the hash as it is read (:class:`BlobCorrupt` at the end when
the bytes do not hash to the key).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
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
    from obstore.store import ClientConfig, S3Config

EXTENSION_KEY = "smarttouch.blobstore"
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
#: Bytes read or written per step when streaming; also the S3 multipart part size.
CHUNK_BYTES = 8 * 1024 * 1024
#: The smallest piece an S3 read hands over (a blob read streams in pieces of about this size).
READ_CHUNK_BYTES = 1024 * 1024


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

    def _rename_durably(self, tmp: str, path: Path) -> None:
        """Move the written and synced ``tmp`` to ``path``, then sync its folder (and the
        folders above it up to the root: one of them may be new), so that the new name
        survives a power cut once this returns (the upload's rows are committed only after
        it: a session must not outlive its recording)."""
        os.replace(tmp, path)
        for folder in (path.parent, path.parent.parent, self.root):  # <root>/ab/cd/<key>
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _write_bytes(self, key: str, data: bytes) -> None:
        path = self.path_for(key)
        fd, tmp = self._tempfile(path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            self._rename_durably(tmp, path)
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
            self._rename_durably(tmp, final)
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


def _s3_store(bucket: str, prefix: str, environ: Mapping[str, str]) -> Any:
    """An obstore S3 store for ``bucket``/``prefix``, configured from the AWS environment
    (obstore reads ``AWS_*`` itself: keys, session token, region, web identity, container and
    instance roles). A custom endpoint (MinIO, Ceph, a test server) is addressed path-style,
    since those rarely resolve ``bucket.host`` names; a plain ``http://`` endpoint is allowed
    only when one is named.

    Over HTTPS the body is not hashed into the request's signature (``UNSIGNED-PAYLOAD``, as
    the AWS SDKs do over TLS): TLS already protects it, the key is the body's SHA-256 that
    readers check, and the signing hash was a second SHA-256 of every blob written (0.4 ms of
    CPU per 571 KiB recording). A plain-HTTP endpoint keeps the signed body."""
    from obstore.store import S3Store

    endpoint = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL") or None
    options: ClientConfig = {"timeout": "120s", "connect_timeout": "10s"}
    config: S3Config = {}
    if endpoint:
        config["endpoint"] = endpoint
        config["virtual_hosted_style_request"] = False
        options["allow_http"] = endpoint.startswith("http://")
    if not endpoint or endpoint.startswith("https://"):
        config["unsigned_payload"] = True
    return S3Store(
        bucket,
        prefix=prefix or None,
        config=config,
        client_options=options,
        retry_config={"max_retries": 4, "retry_timeout": dt.timedelta(seconds=60)},
    )


class S3BlobStore(BlobStore):
    """Blob store in an S3 bucket under ``prefix`` (``s3://bucket/prefix`` URLs), through
    obstore (the Rust ``object_store`` crate): one request per operation and little Python per
    request, which matters on a hub taking many uploads a second (measured against moto_server:
    a 571 KiB PUT costs the caller 0.9 ms of CPU, against 2.9 ms through boto3).

    Args:
        bucket: the bucket (it must exist; the hub never creates buckets).
        prefix: key prefix inside the bucket ("" for the bucket's root).
        store: an obstore store; by default one from the AWS environment (:func:`_s3_store`).
    """

    def __init__(self, bucket: str, prefix: str = "", *, store: Any = None) -> None:
        if not bucket:
            raise ValueError("an s3:// blob URL needs a bucket: s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.store = store if store is not None else _s3_store(bucket, self.prefix, os.environ)
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"

    def object_key(self, key: str) -> str:
        """The S3 object key of blob ``key`` (under the prefix); ValueError for a malformed key."""
        base = f"{self.prefix}/" if self.prefix else ""
        return base + self._path(key)

    @staticmethod
    def _path(key: str) -> str:
        """Blob ``key``'s path relative to the prefix (what the obstore store is given)."""
        key = check_key(key)
        return f"{key[:2]}/{key[2:4]}/{key}"

    def _head(self, key: str) -> Any:
        import obstore
        from obstore.exceptions import NotFoundError

        try:
            return obstore.head(self.store, self._path(key))
        except (FileNotFoundError, NotFoundError):  # obstore raises the built-in one
            return None

    def _write_bytes(self, key: str, data: bytes) -> None:
        import obstore

        obstore.put(self.store, self._path(key), data, use_multipart=False)

    def _write_new(self, key: str, data: bytes) -> bool:
        """One conditional PUT (``If-None-Match: *``, S3's conditional write) instead of a
        HEAD and a PUT: the server refuses it when the blob is already there. A server that
        ignores the condition overwrites the blob with the same bytes (harmless; the answer
        then says written). A concurrent write of the same blob (409 on AWS) falls back to
        the HEAD-then-PUT path."""
        import obstore
        from obstore.exceptions import AlreadyExistsError, PreconditionError

        try:
            obstore.put(self.store, self._path(key), data, mode="create")
        except (AlreadyExistsError, PreconditionError):
            return False
        except Exception as exc:
            if "409" not in str(exc):
                raise
            return super()._write_new(key, data)
        return True

    def _upload(self, path: str, reader: HashingReader, first: list[bytes]) -> None:
        """Multipart upload of the ``first`` bytes already read, then the rest of ``reader``,
        in parts of ``CHUNK_BYTES`` with at most two in flight (memory stays a few parts
        whatever the size). When the reader raises (a wrong hash, over the size limit) the
        upload is aborted and nothing appears under ``path``."""
        import obstore

        def parts() -> Iterator[bytes]:
            yield from first
            first.clear()  # let go of the bytes already sent
            while chunk := _read_up_to(reader, CHUNK_BYTES):
                yield chunk

        obstore.put(self.store, path, parts(), chunk_size=CHUNK_BYTES, max_concurrency=2)

    def put_stream(self, fileobj: IO[bytes], *, key: str | None = None, max_bytes: int | None = None) -> str:
        import obstore

        if key is not None and self.exists(key):
            return key
        reader = HashingReader(fileobj, expected=key, max_bytes=max_bytes)
        head = _read_up_to(reader, CHUNK_BYTES)
        rest = reader.read(1) if len(head) == CHUNK_BYTES else b""
        if not rest:  # small blob: one request, already hashed and checked
            reader._finish()
            return self.put(head)
        if key is not None:
            # the reader raises at the end on a wrong hash, so the multipart upload is
            # aborted and never completes under ``key``
            self._upload(self._path(key), reader, [head, rest])
            return key
        incoming = f"incoming/{uuid.uuid4().hex}"
        try:
            self._upload(incoming, reader, [head, rest])
            key = reader.hexdigest()
            if not self.exists(key):
                obstore.copy(self.store, incoming, self._path(key))
        finally:
            obstore.delete(self.store, incoming)
        return key

    def open(self, key: str, *, verify: bool = False) -> BinaryIO:
        import obstore
        from obstore.exceptions import NotFoundError

        try:
            result = obstore.get(self.store, self._path(key))
        except (FileNotFoundError, NotFoundError):
            raise BlobNotFound(key) from None
        return _verifying(_StreamReader(iter(result.stream(min_chunk_size=READ_CHUNK_BYTES))), key, verify)

    def get(self, key: str) -> bytes:
        """The whole blob in one read (no file object in between)."""
        import obstore
        from obstore.exceptions import NotFoundError

        try:
            return bytes(obstore.get(self.store, self._path(key)).bytes())
        except (FileNotFoundError, NotFoundError):
            raise BlobNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise BlobNotFound(key)
        return int(head["size"])

    def delete(self, key: str) -> bool:
        import obstore

        if not self.exists(key):
            return False
        obstore.delete(self.store, self._path(key))
        return True

    def keys(self) -> Iterator[str]:
        import obstore

        for batch in obstore.list(self.store):
            for item in batch:
                path = str(item["path"])
                name = path.rsplit("/", 1)[-1]
                if _SHA256_RE.match(name) and path == self._path(name):
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


class _StreamReader(io.RawIOBase):
    """An obstore byte stream (chunks as they arrive) as a binary file object."""

    def __init__(self, chunks: Iterator[Any]) -> None:
        self.chunks = chunks
        self.pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            chunk = next(self.chunks, None)
            if chunk is None:
                return 0
            self.pending = memoryview(chunk)  # obstore's Bytes, read without a copy
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


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
