"""The content-addressed blob store."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from flask import Flask

from smarttouch.platform.storage.blobstore import BlobNotFound, BlobStore, get_blobstore


def test_put_get_exists_delete(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    data = b"\x00\x01recording" * 1000
    key = store.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert store.exists(key) and store.get(key) == data and store.size(key) == len(data)
    assert store.path_for(key) == tmp_path / key[:2] / key[2:4] / key
    assert store.put(data) == key  # same content, same key, no error
    assert store.delete(key) is True
    assert not store.exists(key) and store.delete(key) is False
    with pytest.raises(BlobNotFound):
        store.get(key)


def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    for i in range(5):
        store.put(f"blob {i}".encode())
    leftovers = [p for p in tmp_path.rglob(".tmp-*")]
    assert leftovers == []


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 64, "abc", "g" * 64, "0" * 63 + "/"])
def test_keys_must_be_sha256_hex(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="not a blob key"):
        BlobStore(tmp_path).get(key)


def test_rejects_non_bytes(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        BlobStore(tmp_path).put("text")  # type: ignore[arg-type]


def test_app_store_lives_in_the_instance_folder(app: Flask) -> None:
    store = get_blobstore(app)
    assert store.root == Path(app.instance_path) / "blobs"
    key = store.put(b"x")
    assert (Path(app.instance_path) / "blobs" / key[:2] / key[2:4] / key).is_file()
