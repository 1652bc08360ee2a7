"""Every blob the database refers to, and whether the store holds it (``smarttouch blobs check``).

After a restore (a database dump and a bucket or folder of another age), after moving the
store, or at any time: each key a row names (session recordings, solution and approved code,
challenge bundles, evaluation screenshots) is looked up in the store, optionally read back and
hashed. Nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from ..models import Activity, AnalyzerRun, Challenge, ExerciseSession, Review, Submission, table_of
from .blobstore import BlobStore


def referenced_blobs(session: Session) -> dict[str, str]:
    """Blob key -> the first row naming it (``table id column``), for every blob a row names."""
    found: dict[str, str] = {}

    def add(key: str | None, where: str) -> None:
        if key and key not in found:
            found[key] = where

    sources: list[tuple[type[SQLModel], str]] = [
        (ExerciseSession, "recording_sha256"),
        (Activity, "code_sha256"),
        (Challenge, "bundle_sha256"),
        (Submission, "code_sha256"),
        (Review, "code_sha256"),
        (AnalyzerRun, "code_sha256"),
    ]
    for model, name in sources:
        table = table_of(model)
        for row_id, key in session.execute(
            sa.select(table.c.id, table.c[name]).where(table.c[name].is_not(None))
        ):
            add(key, f"{table.name} {row_id} {name}")
    for sub_id, artifacts in session.exec(select(Submission.id, Submission.artifacts)):
        for name, key in sorted((artifacts or {}).items()):
            add(key, f"submission {sub_id} artifact {name}")
    return found


@dataclass
class CheckReport:
    """Referenced blobs found, and those missing or damaged (key -> the row naming it)."""

    checked: int = 0
    missing: dict[str, str] = field(default_factory=dict)
    corrupt: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.corrupt


def check_blobs(
    store: BlobStore,
    references: dict[str, str],
    *,
    verify: bool = False,
    jobs: int = 8,
    progress: Callable[[], None] | None = None,
) -> CheckReport:
    """Look every referenced key up in ``store`` (``verify``: also read it and check its hash)."""
    report = CheckReport()

    def one(key: str) -> str:
        if verify:
            return "ok" if store.verify(key) else ("corrupt" if store.exists(key) else "missing")
        return "ok" if store.exists(key) else "missing"

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for key, state in zip(references, pool.map(one, references), strict=True):
            report.checked += 1
            if state == "missing":
                report.missing[key] = references[key]
            elif state == "corrupt":
                report.corrupt[key] = references[key]
            if progress is not None:
                progress()
    return report
