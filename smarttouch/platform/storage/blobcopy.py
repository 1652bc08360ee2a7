"""Copy every blob of one store into another, verifying every hash (``smarttouch blobs migrate``).

Restartable: a blob the target already holds is read back and its hash checked; a good copy
is skipped, a damaged one is replaced. Each copied blob streams from the source through a
hash check (a damaged source blob is reported and not copied) and is read back from the
target and checked again before it counts as copied. Nothing is ever deleted from the source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from enum import StrEnum

from .blobstore import BlobCorrupt, BlobNotFound, BlobStore

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    copied = "copied"
    present = "already there (verified)"
    repaired = "replaced a damaged copy"
    source_corrupt = "damaged in the source (not copied)"
    missing = "vanished from the source (not copied)"
    failed = "failed"


@dataclass
class CopyReport:
    """How many blobs ended each way, the bytes copied, and the keys that did not copy."""

    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    bytes_copied: int = 0
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def ok(self) -> bool:
        return not self.problems


def copy_one(source: BlobStore, target: BlobStore, key: str) -> tuple[Outcome, int, str]:
    """Copy blob ``key``; returns its outcome, the bytes copied and a problem's description."""
    repaired = False
    if target.exists(key):
        if target.verify(key):
            return Outcome.present, 0, ""
        target.delete(key)
        repaired = True
    try:
        with source.open(key, verify=True) as fh:
            target.put_stream(fh, key=key)
    except BlobNotFound:
        return Outcome.missing, 0, "no longer in the source"
    except BlobCorrupt as exc:
        return Outcome.source_corrupt, 0, str(exc)
    if not target.verify(key):
        return Outcome.failed, 0, "the copy read back from the target does not hash to its key"
    return (Outcome.repaired if repaired else Outcome.copied), target.size(key), ""


def copy_blobs(
    source: BlobStore,
    target: BlobStore,
    *,
    keys: Iterable[str] | None = None,
    jobs: int = 4,
    progress: Callable[[str, Outcome], None] | None = None,
) -> CopyReport:
    """Copy ``keys`` (default: every key of ``source``) into ``target`` with ``jobs`` threads;
    ``progress(key, outcome)`` is called once per blob, from the calling thread."""
    report = CopyReport()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(copy_one, source, target, key): key for key in (keys or source.keys())}
        for future in as_completed(futures):
            key = futures[future]
            try:
                outcome, size, problem = future.result()
            except Exception as exc:  # a network or disk error on one blob: report it, go on
                log.warning("blob %s: %s", key, exc)
                outcome, size, problem = Outcome.failed, 0, f"{type(exc).__name__}: {exc}"
            report.counts[outcome] += 1
            report.bytes_copied += size
            if problem:
                report.problems[key] = problem
            if progress is not None:
                progress(key, outcome)
    return report
