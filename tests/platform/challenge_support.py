"""Shared helpers of the hub's challenge tests: a small bundle imported into the test hub,
solution archives, and running queued evaluations in-process (a worker without huey)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, select

from smarttouch.challenges.solution import stage_solution
from smarttouch.platform.jobs.queue import HubQueue, get_queue
from smarttouch.platform.models import Challenge, Submission
from smarttouch.platform.services.challenges import importer
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from tests.challenges.helpers import COUNTER, make_bundle, make_solution

__all__ = [
    "COUNTER",
    "archive_of",
    "bundle_dir",
    "hub_challenge",
    "import_bundle",
    "make_solution",
    "raw_zip",
    "run_queued",
    "sandbox_ok",
    "small_rep_counting",
]


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small analyzer bundle ``test-reps`` (2 public, 3 hidden simulated recordings)."""
    return make_bundle(tmp_path_factory.mktemp("hub-bundle") / "test-reps")


@pytest.fixture(scope="session")
def sandbox_ok() -> None:
    from smarttouch.challenges.sandbox import Sandbox, SandboxUnavailable

    try:
        Sandbox()
    except SandboxUnavailable as exc:  # pragma: no cover - bubblewrap is a test dependency
        pytest.skip(f"bubblewrap sandbox unavailable: {exc}")


@pytest.fixture
def small_rep_counting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The built-in rep-counting generator with fewer recordings (4 public, 6 hidden), and
    only that built-in, so seeding tests stay fast."""
    from smarttouch.challenges import builtin
    from smarttouch.challenges.builtin import rep_counting

    monkeypatch.setattr(rep_counting, "SIZES", {"public": 4, "hidden": 6})
    monkeypatch.setattr(builtin, "BUILTINS", {"rep-counting": builtin.BUILTINS["rep-counting"]})


def import_bundle(app: Flask, path: Path) -> Challenge:
    with Session(get_engine(app), expire_on_commit=False) as session:
        return importer.import_bundle(session, path=path, blobs=get_blobstore(app)).challenge


@pytest.fixture
def hub_challenge(app: Flask, bundle_dir: Path) -> Iterator[Challenge]:
    """``test-reps`` imported into the test hub."""
    yield import_bundle(app, bundle_dir)


def archive_of(folder: Path) -> bytes:
    """The canonical archive (what the CLI uploads) of a solution folder."""
    with tempfile.TemporaryDirectory() as tmp:
        return stage_solution(folder, Path(tmp) / "s").archive


def raw_zip(entries: dict[str, bytes | str], *, symlinks: dict[str, str] | None = None) -> bytes:
    """A hand-made zip (for hostile uploads: ``..`` paths, symlinks)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            info.create_system = 3
            zf.writestr(info, target)
    return buf.getvalue()


def run_queued(app: Flask, queue: HubQueue | None = None) -> list[dict]:
    """Evaluate every queued submission in this process, as a worker would."""
    queue = queue or get_queue(app)
    with Session(get_engine(app)) as session:
        ids = [
            s.id
            for s in session.exec(
                select(Submission).where(Submission.status == "queued").order_by(Submission.id)
            )
        ]
    return [queue.run("evaluation", str(i), worker="test-worker") for i in ids]
