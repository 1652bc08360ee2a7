"""The one lease store of the hub: any job table under the lease protocol.

:class:`LeaseStore` implements the challenges room's :class:`~smarttouch.challenges.jobs.
ResultStore` over the rows of a :class:`~.types.JobType`'s table (job id = the row id). A
worker *claims* a queued row with one conditional ``UPDATE`` (so two workers never both run
it), renews its lease while it works, and writes the outcome (the job type's column values,
plus any rows its ``save_outcome`` adds) in one transaction, guarded by its claim token so a
late worker whose lease was taken over cannot overwrite the new attempt. A worker that dies
stops renewing; :meth:`LeaseStore.reclaim_expired` (each minute and at worker start) re-queues
the row or, after ``max_attempts`` claims, fails it with ``worker_lost``: never stuck
``running``. A job given up is saved as a failed finish is (``save_outcome``): a scoring
job's session then shows ``failed``, never ``scoring`` for good.

Every step of the store (a claim, renewal, finish or read; the reaper's requeue) that meets
a connection the database dropped (a restart, an idle timeout: the scoring worker's engine
does not ping connections before use, :func:`~smarttouch.platform.storage.db.without_pre_ping`)
is tried once more on a fresh one.
Trying again is safe: each is one transaction guarded by the row's state and claim token; if
the lost transaction was in fact committed, the second claim finds the row taken (the lease
then expires and the job is retried) and the second finish finds the token cleared (the
result was written once).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Generic

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from smarttouch.challenges.jobs import JobRecord, Outcome
from smarttouch.challenges.status import QUEUED, RUNNING

from ..models import rowcount, utcnow
from ..storage.retry import retried_once_if_dropped
from .types import JobType, RowT, SpecT

#: the columns every job table has (see :mod:`smarttouch.platform.jobs`)
LEASE_COLUMNS = (
    "id",
    "status",
    "attempts",
    "lease_token",
    "lease_expires_at",
    "started_at",
    "finished_at",
    "message",
    "failure_reason",
    "created_at",
)


class LeaseStore(Generic[RowT, SpecT]):
    """A job type's rows as leased jobs (see the module docstring)."""

    def __init__(self, engine: Engine, job_type: JobType[RowT, SpecT]) -> None:
        self.engine = engine
        self.job_type = job_type
        table = sa.inspect(job_type.table).local_table
        assert isinstance(table, sa.Table)
        missing = [c for c in LEASE_COLUMNS if c not in table.c]
        if missing:
            raise TypeError(f"{table.name} cannot hold jobs: no column(s) {', '.join(missing)}")
        self.table = table
        # a worker's statements, built once (values bound per call: building one costs more
        # than running it); Core statements on the table: the claim returns the row's columns,
        # which ``load_spec`` reads as it reads a loaded row, without the ORM's bulk UPDATE
        # and the object it would build per job
        c = table.c
        claim: dict[str, Any] = {
            "status": RUNNING,
            "attempts": c.attempts + 1,
            "lease_token": sa.bindparam("new_token", type_=c.lease_token.type),
            "started_at": sa.bindparam("new_started", type_=c.started_at.type),
            "lease_expires_at": sa.bindparam("new_expires", type_=c.lease_expires_at.type),
        }
        if job_type.claim_message is not None:
            claim["message"] = job_type.claim_message
        self._claim_stmt = sa.update(table).where(*self._guard(QUEUED)).values(claim)
        returned = [*table.c, *(job_type.claim_columns(table) if job_type.claim_columns else ())]
        self._claim_returning = self._claim_stmt.returning(*returned)
        self._get_stmt = sa.select(*returned).where(c.id == sa.bindparam("job_row", type_=c.id.type))
        self._renew_stmt = (
            sa.update(table)
            .where(*self._guard(RUNNING, token=True))
            .values(lease_expires_at=sa.bindparam("new_expires", type_=c.lease_expires_at.type))
        )
        self._finish_stmts: dict[tuple[str, ...], sa.Update] = {}  # by the columns written

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @staticmethod
    def row_id(job_id: str) -> int:
        """The row id of a job id (the hub's job ids are row ids)."""
        if not str(job_id).isdigit():
            raise ValueError(f"bad job id {job_id!r}: the hub's job ids are row ids")
        return int(job_id)

    def _guard(self, state: str, *, token: bool = False) -> list[Any]:
        """Row ``:job_row`` in ``state`` (and, with ``token``, still claimed with
        ``:job_token``)."""
        c = self.table.c
        where = [c.id == sa.bindparam("job_row", type_=c.id.type), c.status == state]
        if token:
            where.append(c.lease_token == sa.bindparam("job_token", type_=c.lease_token.type))
        return where

    @retried_once_if_dropped
    def create(self, job_id: str, spec: SpecT) -> None:
        """The hub creates job rows itself; this only checks the row is queued."""
        with self._session() as s:
            status = s.execute(sa.select(self.table.c.status).where(self.table.c.id == self.row_id(job_id)))
            if status.scalar() != QUEUED:
                raise ValueError(f"{self.job_type.name} {job_id} is not queued")

    @retried_once_if_dropped
    def get(self, job_id: str) -> JobRecord[SpecT] | None:
        with self._session() as s:
            row = s.execute(self._get_stmt, {"job_row": self.row_id(job_id)}).first()
            return None if row is None else self._record(s, row)

    def _record(self, s: Session, row: Any) -> JobRecord[SpecT]:
        """``row``: the row's columns, with the job type's ``claim_columns``, as the claim
        returns them or ``get`` reads them."""
        values = {c: getattr(row, c) for c in LEASE_COLUMNS}
        expires: dt.datetime | None = values["lease_expires_at"]
        return {
            "job_id": str(values["id"]),
            "spec": self.job_type.load_spec(s, row),
            "state": values["status"],
            "failure_reason": values["failure_reason"],
            "message": values["message"],
            "attempts": values["attempts"],
            "token": values["lease_token"],
            "lease_expires": expires.timestamp() if expires else None,
        }

    def _claim(self, job_id: str, worker: str, lease_s: float) -> tuple[str, dict[str, Any]]:
        """A new claim token, and the parameters of the conditional UPDATE that claims queued
        row ``job_id`` with it."""
        token = f"{worker}#{time.time_ns()}"[:120]
        now = utcnow()
        return token, {
            "job_row": self.row_id(job_id),
            "new_token": token,
            "new_started": now,
            "new_expires": now + dt.timedelta(seconds=lease_s),
        }

    @retried_once_if_dropped
    def claim(self, job_id: str, worker: str, lease_s: float) -> str | None:
        token, params = self._claim(job_id, worker, lease_s)
        with self._session() as s:
            done = s.execute(self._claim_stmt, params)
            s.commit()
        return token if rowcount(done) == 1 else None

    @retried_once_if_dropped
    def claim_record(self, job_id: str, worker: str, lease_s: float) -> JobRecord[SpecT] | None:
        """``claim`` and ``get`` in one transaction: the claiming UPDATE returns the row, its
        spec is read, then the claim is committed (a worker's job starts with one round trip
        to the database less). A spec that cannot be read still leaves the row claimed, as
        when it is read after the claim: the job is retried once the lease expires."""
        _token, params = self._claim(job_id, worker, lease_s)
        with self._session() as s:
            row = s.execute(self._claim_returning, params).first()
            if row is None:
                s.rollback()
                return None
            try:
                record = self._record(s, row)
            except Exception:
                s.rollback()
                with self._session() as again:
                    again.execute(self._claim_stmt, params)
                    again.commit()
                raise
            s.commit()
        return record

    @retried_once_if_dropped
    def renew(self, job_id: str, token: str, lease_s: float) -> bool:
        params = {
            "job_row": self.row_id(job_id),
            "job_token": token,
            "new_expires": utcnow() + dt.timedelta(seconds=lease_s),
        }
        with self._session() as s:
            done = s.execute(self._renew_stmt, params)
            s.commit()
        return rowcount(done) == 1

    def _finished(self, outcome: Outcome) -> dict[str, Any]:
        return {
            **self.job_type.outcome_values(outcome),
            "lease_token": None,
            "lease_expires_at": None,
            "finished_at": utcnow(),
        }

    @retried_once_if_dropped
    def finish(self, job_id: str, token: str, result: Outcome) -> bool:
        values = self._finished(result)
        columns = tuple(values)
        finish = self._finish_stmts.get(columns)
        if finish is None:
            finish = self._finish_stmts[columns] = (
                sa.update(self.table)
                .where(*self._guard(RUNNING, token=True))
                .values({k: sa.bindparam(f"new_{k}", type_=self.table.c[k].type) for k in columns})
            )
        params = {
            "job_row": self.row_id(job_id),
            "job_token": token,
            **{f"new_{k}": v for k, v in values.items()},
        }
        with self._session() as s:
            done = s.execute(finish, params)
            if rowcount(done) != 1:
                s.rollback()
                return False
            if self.job_type.save_outcome is not None:
                self.job_type.save_outcome(s, self.row_id(job_id), result)
            s.commit()
        return True

    @retried_once_if_dropped
    def reclaim_expired(self, now: float, max_attempts: int) -> list[str]:
        """Requeue (or, after ``max_attempts`` claims, fail with ``worker_lost``) every running
        row whose lease expired before ``now`` (Unix seconds); returns the requeued ids. Each
        row's update is guarded by its lease token, so a second try after a dropped
        connection changes only what the first did not."""
        c = self.table.c
        requeued: list[str] = []
        with self._session() as s:
            stale = s.execute(
                sa.select(c.id, c.attempts, c.lease_token).where(
                    c.status == RUNNING, c.lease_expires_at < dt.datetime.fromtimestamp(now, dt.UTC)
                )
            ).all()
            for row_id, attempts, token in stale:
                given_up: Outcome | None = None
                if attempts >= max_attempts:
                    given_up = {
                        "status": "failed",
                        "failure_reason": "worker_lost",
                        "message": f"the worker stopped during {attempts} attempt(s); giving up",
                    }
                    values = self._finished(given_up)
                else:
                    values = {
                        "status": QUEUED,
                        "lease_token": None,
                        "lease_expires_at": None,
                        "message": self.job_type.requeue_message,
                    }
                guard = (c.id == row_id, c.status == RUNNING, c.lease_token == token)
                done = s.execute(sa.update(self.table).where(*guard).values(values))
                if rowcount(done) != 1:
                    continue
                if given_up is None:
                    requeued.append(str(row_id))
                elif self.job_type.save_outcome is not None:  # as a failed finish: e.g. the
                    self.job_type.save_outcome(s, row_id, given_up)  # session is no longer "scoring"
            s.commit()
        return requeued

    @retried_once_if_dropped
    def queued_ids(self, *, older_than: dt.datetime | None = None) -> list[int]:
        """Ids of the queued rows (created before ``older_than``, when given), oldest first."""
        c = self.table.c
        stmt = sa.select(c.id).where(c.status == QUEUED).order_by(c.id)
        if older_than is not None:
            stmt = stmt.where(c.created_at < older_than)
        with self._session() as s:
            return [int(i) for i in s.execute(stmt).scalars()]


__all__ = ["LEASE_COLUMNS", "LeaseStore"]
