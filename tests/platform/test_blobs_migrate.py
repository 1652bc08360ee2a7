"""``smarttouch blobs migrate --to s3://...``: a folder store copied to object storage (a real
S3 server process), every hash verified, restartable, damaged blobs reported."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Flask

from smarttouch.platform.storage.blobcopy import Outcome, copy_blobs
from smarttouch.platform.storage.blobstore import CHUNK_BYTES, FolderBlobStore, S3BlobStore, open_blobstore
from smarttouch.platform.testing import bucket_client

from .conftest import Runner


def _fill(store: FolderBlobStore, count: int) -> list[str]:
    """``count`` synthetic blobs, one of them larger than a multipart part."""
    keys = [store.put(f"synthetic blob {i}".encode() * (i + 1)) for i in range(count - 1)]
    big = hashlib.sha256(b"big").digest() * (CHUNK_BYTES // 32 + 1000)
    keys.append(store.put(big))
    return keys


def _count(output: str, outcome: Outcome) -> int:
    match = re.search(rf"\b(\d+)\s+{re.escape(outcome.value)}$", output, flags=re.M)
    return int(match.group(1)) if match else 0


def test_migrate_copies_verifies_and_restarts(app: Flask, runner: Runner, s3_blob_url: str) -> None:
    source = FolderBlobStore(app.config["BLOB_PATH"])
    keys = _fill(source, 6)
    target = open_blobstore(s3_blob_url)
    assert isinstance(target, S3BlobStore)
    # an earlier run was interrupted after two blobs
    partial = copy_blobs(source, target, keys=keys[:2])
    assert partial.counts[Outcome.copied] == 2 and partial.ok

    # one copy in the bucket got damaged meanwhile
    bucket_client().put_object(Bucket=target.bucket, Key=target.object_key(keys[1]), Body=b"damaged")

    result = runner.invoke("blobs", "migrate", "--to", s3_blob_url, "--quiet")
    assert result.exit_code == 0, result.output
    assert _count(result.output, Outcome.copied) == 4
    assert _count(result.output, Outcome.present) == 1
    assert _count(result.output, Outcome.repaired) == 1
    assert "6  blobs in all" in result.output and "hashes to its key" in result.output
    assert sorted(target.keys()) == sorted(keys)
    assert all(target.get(k) == source.get(k) for k in keys)

    again = runner.invoke("blobs", "migrate", "--to", s3_blob_url, "--quiet")
    assert again.exit_code == 0 and _count(again.output, Outcome.present) == 6
    assert "0 bytes copied" in again.output


def test_a_damaged_source_blob_is_reported_and_not_copied(
    app: Flask, runner: Runner, s3_blob_url: str
) -> None:
    source = FolderBlobStore(app.config["BLOB_PATH"])
    keys = _fill(source, 3)
    bad = source.path_for(keys[0])
    bad.chmod(0o644)
    bad.write_bytes(b"bit rot")
    result = runner.invoke("blobs", "migrate", "--to", s3_blob_url)
    assert result.exit_code == 1
    assert _count(result.output, Outcome.copied) == 2
    assert _count(result.output, Outcome.source_corrupt) == 1
    assert keys[0] in result.output and "1 blobs were not copied" in result.output
    assert not open_blobstore(s3_blob_url).exists(keys[0])


def test_migrate_between_folders_and_from_an_explicit_source(runner: Runner, tmp_path: Path) -> None:
    source = FolderBlobStore(tmp_path / "old")
    keys = _fill(source, 2)
    target = tmp_path / "new"
    result = runner.invoke("blobs", "migrate", "--from", source.url, "--to", target.as_uri(), "--quiet")
    assert result.exit_code == 0, result.output
    assert sorted(FolderBlobStore(target).keys()) == sorted(keys)


def test_migrate_refuses_nonsense(runner: Runner, app: Flask) -> None:
    same = runner.invoke("blobs", "migrate", "--to", Path(app.config["BLOB_PATH"]).as_uri())
    assert same.exit_code == 2 and "the same store" in same.output
    bad = runner.invoke("blobs", "migrate", "--to", "ftp://somewhere/else")
    assert bad.exit_code == 2 and "expected file:///path or s3://bucket/prefix" in bad.output
    where = runner.invoke("blobs", "where")
    assert where.output.strip() == Path(app.config["BLOB_PATH"]).as_uri()


def test_help_explains_the_command(runner: Runner) -> None:
    text = runner.invoke("blobs", "migrate", "--help").output
    for phrase in ("--to URL", "s3://bucket/prefix", "AWS_ENDPOINT_URL", "restartable", "SHA-256", "--jobs"):
        assert phrase in text


def test_check_finds_the_rows_whose_blob_is_missing_or_damaged(
    app: Flask, runner: Runner, make_patient, make_exercise_session, make_challenge
) -> None:
    store = FolderBlobStore(app.config["BLOB_PATH"])
    recording = store.put(b"synthetic recording")
    bundle = store.put(b"synthetic bundle")
    lost = hashlib.sha256(b"never stored").hexdigest()
    patient = make_patient()
    make_exercise_session(patient, recording_sha256=recording)
    gone = make_exercise_session(patient, recording_sha256=lost)
    make_challenge(bundle_sha256=bundle)

    result = runner.invoke("blobs", "check", "--quiet")
    assert result.exit_code == 1
    assert "3 blobs referenced by the database" in result.output
    assert f"missing: {lost} (exercise_session {gone.id} recording_sha256)" in result.output
    assert "1 missing, 0 damaged" in result.output

    store.put(b"never stored")
    assert runner.invoke("blobs", "check", "--quiet").exit_code == 0
    path = store.path_for(bundle)
    path.chmod(0o644)
    path.write_bytes(b"bit rot")
    assert runner.invoke("blobs", "check", "--quiet").exit_code == 0  # present; not read back
    verified = runner.invoke("blobs", "check", "--verify", "--quiet")
    assert verified.exit_code == 1 and f"damaged: {bundle} (challenge" in verified.output
