"""What a kind of background job is: :class:`JobType`, and the :class:`JobContext` it runs with.

A job type names its table (rows with the lease columns, see :mod:`smarttouch.platform.jobs`)
and supplies the four things that differ between kinds of job; everything else (claiming,
heartbeats, lost workers, the huey task, resending) is shared by :class:`~.leases.LeaseStore`
and :class:`~.queue.HubQueue`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from smarttouch.challenges.bundle import ChallengeBundle
from smarttouch.challenges.jobs import Outcome
from smarttouch.challenges.sandbox import Sandbox

from ..storage.blobstore import BlobStore
from .bundles import load_stored_bundle

RowT = TypeVar("RowT", bound=SQLModel)
SpecT = TypeVar("SpecT")


@dataclass(frozen=True)
class JobContext:
    """What every job runs with: the blob store, the instance folder (bundle cache),
    whether the sandbox may be skipped (``unsafe``: local development only) and the hub's
    time zone (``SMARTTOUCH_TIMEZONE``: what "today" is for alerts)."""

    blobs: BlobStore
    instance: Path
    unsafe: bool = False
    timezone: str = "UTC"

    def sandbox(self) -> Sandbox:
        """A bubblewrap sandbox (rlimits only when ``unsafe``).

        Raises:
            SandboxUnavailable: bubblewrap cannot run here.
        """
        return Sandbox(unsafe=self.unsafe)

    def bundle(self, sha256: str) -> ChallengeBundle:
        """The imported challenge bundle stored under blob key ``sha256``, unpacked once."""
        return load_stored_bundle(self.blobs, sha256, self.instance)


@dataclass(frozen=True)
class JobType(Generic[RowT, SpecT]):
    """One kind of background job: rows of ``table`` moved through the lease protocol.

    Attributes:
        name: the key of this job type (``"evaluation"``), used to enqueue.
        table: the SQLModel table of its rows (job id = the row's integer id).
        task_name: the huey task that runs one job (keep it stable: queued messages name it).
        load_spec: reads what ``execute`` needs from a row (a TypedDict per job type): the
            row's columns as the claim returned them (with any ``claim_columns``), read as
            attributes and nothing else (no relationships, no methods).
        execute: runs one job; returns its :data:`~smarttouch.challenges.jobs.Outcome`.
            Never raises for what untrusted code does; an exception becomes ``internal_error``.
        outcome_values: the table's column values for a finished job's outcome (the lease
            columns are cleared by the store).
        save_outcome: writes further rows of a finished job in the same transaction (e.g.
            one ``score`` row per split and metric), or None.
        claim_message: the row's ``message`` while it runs, or None to leave it alone.
        requeue_message: the row's ``message`` when its worker was lost and it is retried.
        schedule: creates the jobs that are due (committed) and returns their ids, run once a
            minute by the queue's tick; None when jobs are only created by people's actions.
        resend_after: queued rows older than this get their message sent again by the tick
            (a lost message costs at most this delay); None to resend only at worker start.
        needs_sandbox: its jobs run untrusted code in bubblewrap; a worker that serves it
            refuses to start where bubblewrap cannot run (``smarttouch worker --jobs``).
        claim_columns: given the job table, further labelled columns the claim (and ``get``)
            returns with the row, e.g. correlated sub-selects of the row the job is about:
            ``load_spec`` then reads them as the row's own, without a statement of its own.
            None: the row's columns only.
        warm_up: loads what its jobs need that the hub's web processes never import (the
            analysis and its SciPy modules), run by a worker that runs this type before it
            says it serves: the first job is not seconds slower than the rest. None: nothing.
    """

    name: str
    table: type[RowT]
    task_name: str
    load_spec: Callable[[Session, RowT], SpecT]
    execute: Callable[[JobContext, SpecT], Outcome]
    outcome_values: Callable[[Outcome], dict[str, Any]]
    save_outcome: Callable[[Session, int, Outcome], None] | None = None
    claim_message: str | None = None
    requeue_message: str = "requeued: the worker running it stopped"
    schedule: Callable[[Session], list[int]] | None = None
    resend_after: dt.timedelta | None = None
    needs_sandbox: bool = False
    claim_columns: Callable[[sa.Table], Sequence[sa.ColumnElement[Any]]] | None = None
    warm_up: Callable[[], None] | None = None


__all__ = ["JobContext", "JobType", "RowT", "SpecT"]
