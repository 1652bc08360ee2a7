"""The content-addressed blob store, on both backends: a folder and S3-compatible object
storage (a real S3 server process, see the root conftest)."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from smarttouch.platform.core.config import ConfigError, resolve
from smarttouch.platform.storage.blobstore import (
    CHUNK_BYTES,
    BlobCorrupt,
    BlobNotFound,
    BlobStore,
    BlobTooLarge,
    FolderBlobStore,
    S3BlobStore,
    _s3_store,
    get_blobstore,
    open_blobstore,
)
from smarttouch.platform.testing import bucket_client


@pytest.fixture(params=["folder", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "s3":
        return open_blobstore(request.getfixturevalue("s3_blob_url"))
    return open_blobstore((tmp_path / "blobs").as_uri())


class Trickle(io.RawIOBase):
    """A stream that hands out at most ``step`` bytes per read (like a socket), counting reads."""

    def __init__(self, data: bytes, step: int = 65536) -> None:
        self.data, self.pos, self.step, self.reads = data, 0, step, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf: memoryview) -> int:  # type: ignore[override]
        self.reads += 1
        n = min(len(buf), self.step, len(self.data) - self.pos)
        buf[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


def big_blob(size: int) -> bytes:
    """Deterministic, incompressible-looking bytes of ``size`` (synthetic test data)."""
    out = bytearray()
    block = hashlib.sha256(b"seed").digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:size])


def test_put_get_exists_delete(store: BlobStore) -> None:
    data = b"\x00\x01recording" * 1000
    key = store.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert store.exists(key) and store.get(key) == data and store.size(key) == len(data)
    assert store.put(data) == key  # same content, same key, no error
    assert list(store.keys()) == [key]
    assert store.verify(key)
    assert store.delete(key) is True
    assert not store.exists(key) and store.delete(key) is False
    assert not store.verify(key)
    with pytest.raises(BlobNotFound):
        store.get(key)


def test_missing_blob_is_the_same_error_everywhere(store: BlobStore) -> None:
    key = "0" * 64
    for call in (store.get, store.open, store.size):
        with pytest.raises(BlobNotFound) as info:
            call(key)
        assert isinstance(info.value, KeyError)


def test_folder_layout(tmp_path: Path) -> None:
    store = FolderBlobStore(tmp_path)
    key = store.put(b"layout")
    assert store.path_for(key) == tmp_path / key[:2] / key[2:4] / key
    assert store.url == tmp_path.as_uri()


def test_s3_layout(s3_blob_url: str, s3_server: object) -> None:
    store = open_blobstore(s3_blob_url)
    assert isinstance(store, S3BlobStore) and store.url == s3_blob_url
    key = store.put(b"layout")
    assert store.object_key(key) == f"blobs/{key[:2]}/{key[2:4]}/{key}"
    head = bucket_client().head_object(Bucket=store.bucket, Key=store.object_key(key))
    assert head["ContentLength"] == len(b"layout")


def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    store = FolderBlobStore(tmp_path)
    for i in range(5):
        store.put(f"blob {i}".encode())
    store.put_stream(io.BytesIO(b"streamed"))
    with pytest.raises(BlobCorrupt):
        store.put_stream(io.BytesIO(b"not what the key says"), key="1" * 64)
    leftovers = [p for p in tmp_path.rglob(".tmp-*")]
    assert leftovers == []


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 64, "abc", "g" * 64, "0" * 63 + "/"])
def test_keys_must_be_sha256_hex(store: BlobStore, key: str) -> None:
    for call in (store.get, store.exists, store.delete, store.size):
        with pytest.raises(ValueError, match="not a blob key"):
            call(key)


def test_rejects_non_bytes(store: BlobStore) -> None:
    with pytest.raises(TypeError):
        store.put("text")  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [0, 1000, CHUNK_BYTES, 2 * CHUNK_BYTES + 12345])
def test_streamed_put_and_read(store: BlobStore, size: int) -> None:
    """Streams of any size (one request, or an S3 multipart upload over several parts) land
    under their hash; reading back streams in steps and checks the hash."""
    data = big_blob(size)
    source = Trickle(data)
    key = store.put_stream(source)  # type: ignore[arg-type]
    assert key == hashlib.sha256(data).hexdigest()
    assert source.reads > size // 65536  # read in steps, not one whole-file read
    assert store.size(key) == size
    with store.open(key, verify=True) as fh:
        parts = []
        while chunk := fh.read(1 << 20):
            parts.append(chunk)
    assert b"".join(parts) == data
    assert store.put_stream(io.BytesIO(data)) == key  # idempotent
    assert list(store.keys()) == [key]
    if isinstance(store, S3BlobStore):  # no temporary upload is left behind
        listed = bucket_client().list_objects_v2(Bucket=store.bucket)["Contents"]
        assert [o["Key"] for o in listed] == [store.object_key(key)]


@pytest.mark.parametrize("size", [1000, CHUNK_BYTES + 1])
def test_streamed_put_with_a_wrong_key_stores_nothing(store: BlobStore, size: int) -> None:
    data = big_blob(size)
    wrong = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(BlobCorrupt, match="hash"):
        store.put_stream(io.BytesIO(data), key=wrong)
    assert not store.exists(wrong)
    assert list(store.keys()) == []
    if isinstance(store, S3BlobStore):  # the aborted upload left no parts and no temporary object
        assert bucket_client().list_multipart_uploads(Bucket=store.bucket).get("Uploads", []) == []
        assert bucket_client().list_objects_v2(Bucket=store.bucket).get("KeyCount") == 0
    right = hashlib.sha256(data).hexdigest()
    assert store.put_stream(io.BytesIO(data), key=right) == right
    assert store.verify(right)


def test_streamed_put_with_a_known_key_skips_reading(store: BlobStore) -> None:
    key = store.put(b"already here")
    source = Trickle(b"already here")
    assert store.put_stream(source, key=key) == key  # type: ignore[arg-type]
    assert source.reads == 0


def test_size_limit_stores_nothing(store: BlobStore) -> None:
    with pytest.raises(BlobTooLarge):
        store.put_stream(io.BytesIO(big_blob(5000)), max_bytes=4096)
    with pytest.raises(BlobTooLarge):
        store.put_stream(io.BytesIO(big_blob(CHUNK_BYTES + 10)), max_bytes=CHUNK_BYTES)
    assert list(store.keys()) == []


class Endless(io.RawIOBase):
    """``size`` bytes made on the fly, 1 MiB at a time (never all in memory), hashed as given."""

    def __init__(self, size: int) -> None:
        self.left, self.hash = size, hashlib.sha256()
        self.block = big_blob(1 << 20)

    def readable(self) -> bool:
        return True

    def readinto(self, buf: memoryview) -> int:  # type: ignore[override]
        n = min(len(buf), len(self.block), self.left)
        buf[:n] = self.block[:n]
        self.hash.update(self.block[:n])
        self.left -= n
        return n


def test_streaming_does_not_buffer_the_whole_blob(store: BlobStore) -> None:
    """A 128 MiB upload and its read-back stay well below 128 MiB of memory (Python allocations,
    measured with tracemalloc): the store streams in parts of CHUNK_BYTES. S3 holds a bounded
    number of parts (measured 48-56 MiB peak for 64, 128 and 256 MiB streams, 11 MiB to read back)."""
    import tracemalloc

    size = 16 * CHUNK_BYTES
    source = Endless(size)
    tracemalloc.start()
    try:
        key = store.put_stream(source)  # type: ignore[arg-type]
        _, peak_put = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        assert store.verify(key)
        _, peak_read = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert key == source.hash.hexdigest() and store.size(key) == size
    assert peak_put < 9 * CHUNK_BYTES, peak_put  # 72 of 128 MiB: parts, never the whole
    assert peak_read < 3 * CHUNK_BYTES, peak_read


def test_verified_read_detects_corruption(store: BlobStore, tmp_path: Path) -> None:
    key = store.put(b"original bytes")
    tampered = b"tampered bytes"
    if isinstance(store, FolderBlobStore):
        store.path_for(key).write_bytes(tampered)
    else:
        assert isinstance(store, S3BlobStore)
        bucket_client().put_object(Bucket=store.bucket, Key=store.object_key(key), Body=tampered)
    assert store.get(key) == tampered  # a plain read is a plain read; callers that care verify
    assert not store.verify(key)
    with store.open(key, verify=True) as fh, pytest.raises(BlobCorrupt):
        fh.read()


def test_concurrent_puts_of_the_same_bytes(store: BlobStore) -> None:
    data = big_blob(300_000)
    errors: list[BaseException] = []
    keys: list[str] = []

    def put(fn: Callable[[], str]) -> None:
        try:
            keys.append(fn())
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [
        threading.Thread(target=put, args=(lambda: store.put(data),)),
        threading.Thread(target=put, args=(lambda: store.put_stream(io.BytesIO(data)),)),
        threading.Thread(target=put, args=(lambda: store.put(data),)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(keys)) == 1
    assert store.get(keys[0]) == data and list(store.keys()) == keys[:1]


def test_app_store_lives_in_the_instance_folder(app: Flask) -> None:
    store = get_blobstore(app)
    assert isinstance(store, FolderBlobStore)
    assert store.root == Path(app.instance_path) / "blobs"
    assert app.config["BLOB_URL"] == (Path(app.instance_path) / "blobs").as_uri()
    key = store.put(b"x")
    assert (Path(app.instance_path) / "blobs" / key[:2] / key[2:4] / key).is_file()


def test_app_on_object_storage(make_app: Callable[..., Flask], app: Flask, s3_blob_url: str) -> None:
    """``BLOB_URL=s3://...``: the hub's store is the bucket; nothing lands in the instance."""
    hub = make_app(app.config["DATABASE_URL"], BLOB_URL=s3_blob_url)
    store = get_blobstore(hub)
    assert isinstance(store, S3BlobStore) and hub.config["BLOB_PATH"] is None
    key = store.put(b"recording")
    assert open_blobstore(s3_blob_url).get(key) == b"recording"
    assert not (Path(hub.instance_path) / "blobs").exists()


def test_blob_settings(tmp_path: Path) -> None:
    inst = tmp_path / "inst"
    legacy = resolve({"INSTANCE_PATH": str(inst)}, environ={"SMARTTOUCH_BLOB_PATH": str(tmp_path / "b")})
    assert legacy["BLOB_URL"] == (tmp_path / "b").as_uri() and legacy["BLOB_PATH"] == str(tmp_path / "b")
    url = resolve({"INSTANCE_PATH": str(inst)}, environ={"SMARTTOUCH_BLOB_URL": (tmp_path / "c").as_uri()})
    assert url["BLOB_PATH"] == str(tmp_path / "c")
    s3 = resolve({"INSTANCE_PATH": str(inst)}, environ={"SMARTTOUCH_BLOB_URL": "s3://bucket/pre/fix"})
    assert (s3["BLOB_URL"], s3["BLOB_PATH"]) == ("s3://bucket/pre/fix", None)
    for bad, message in [
        ({"SMARTTOUCH_BLOB_URL": "ftp://x/y"}, "expected file:///absolute/path or s3://"),
        ({"SMARTTOUCH_BLOB_URL": "s3:///nobucket"}, r"s3://bucket\[/prefix\]"),
        ({"SMARTTOUCH_BLOB_URL": "file://relative/x"}, "expected file:///absolute/path"),
        (
            {"SMARTTOUCH_BLOB_URL": "s3://b/p", "SMARTTOUCH_BLOB_PATH": str(tmp_path)},
            "unset SMARTTOUCH_BLOB_PATH",
        ),
        (
            {"SMARTTOUCH_BLOB_URL": (tmp_path / "x").as_uri(), "SMARTTOUCH_BLOB_PATH": str(tmp_path / "y")},
            "different folders",
        ),
    ]:
        with pytest.raises(ConfigError, match=message):
            resolve({"INSTANCE_PATH": str(inst)}, environ=bad)


@pytest.mark.parametrize(
    ("endpoint", "unsigned"),
    [(None, True), ("https://minio.example:9000", True), ("http://127.0.0.1:9000", False)],
)
def test_s3_body_signed_only_over_plain_http(endpoint: str | None, unsigned: bool) -> None:
    """Over TLS the body is not hashed a second time for the signature; plain HTTP signs it."""
    environ = {"AWS_DEFAULT_REGION": "eu-south-1", **({"AWS_ENDPOINT_URL": endpoint} if endpoint else {})}
    config = _s3_store("bucket", "prefix", environ).config
    assert (config.get("unsigned_payload") == "true") is unsigned
