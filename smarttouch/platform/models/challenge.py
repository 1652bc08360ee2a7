"""The innovation-hub side: challenges, developers' solutions, immutable submissions,
their scores and the therapists' reviews."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import created_field, json_field, sha256_field, text_field, time_field


class SubmissionStatus(StrEnum):
    queued = "queued"
    running = "running"
    scored = "scored"
    failed = "failed"
    timed_out = "timed_out"
    rejected = "rejected"


class ReviewDecision(StrEnum):
    approved = "approved"
    changes_requested = "changes_requested"
    rejected = "rejected"


class Challenge(SQLModel, table=True):
    """A rehabilitation need posed to developers, with metrics and limits."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    title: str = Field(max_length=160)
    summary: str = Field(default="", max_length=300)
    description_md: str = text_field()
    population: str = Field(default="", max_length=200)
    kind: str = Field(max_length=16)
    """a challenge kind's name (:mod:`smarttouch.challenges.kinds`), checked when the bundle is imported"""
    movement: str | None = Field(default=None, max_length=48)
    placement: str | None = Field(default=None, max_length=48)
    io_contract: dict[str, Any] = json_field()
    metrics: list[dict[str, Any]] = json_field(list)
    primary_metric: str = Field(default="", max_length=48)
    time_limit_s: float = Field(default=60.0)
    memory_limit_mb: int = Field(default=512)
    max_daily_submissions: int = Field(default=5)
    opens_at: datetime | None = time_field()
    closes_at: datetime | None = time_field()
    is_published: bool = Field(default=True)
    created_at: datetime = created_field()
    bundle_sha256: str | None = sha256_field(nullable=True)
    """blob key of the imported bundle (a zip holding both splits; hidden labels stay in it)"""
    imported_at: datetime | None = time_field()
    terms_version: int = Field(default=1)
    """version of the data-use terms a developer accepts before downloading data or submitting"""
    max_team_size: int = Field(default=1)
    """developers per team; 1 means everyone competes alone"""
    licence: str = Field(default="Apache-2.0", max_length=64)
    """SPDX identifier of the licence solutions are submitted under"""
    final_opens_at: datetime | None = time_field()
    """start of the final phase (ranked on the hidden split); the development phase runs from
    ``opens_at`` until then, ranked on the public split. None: one phase"""
    final_daily_submissions: int | None = Field(default=None)
    """daily cap during the final phase (None: ``max_daily_submissions`` throughout)"""
    holds_results: bool = Field(default=False)
    """the hidden-split ranking stays private after closing until a manager announces results
    (set for challenges authored on the web; imported challenges publish it at closing)"""
    results_announced_at: datetime | None = time_field()
    data_source: str = Field(default="", max_length=48)
    """where the data came from: ``simulator:<generator>``, ``donated``, ``upload``, ``import``"""

    def is_open(self, now: datetime) -> bool:
        """Published and within its open/close dates at ``now`` (aware UTC)."""
        if not self.is_published:
            return False
        if self.opens_at is not None and now < self.opens_at:
            return False
        return self.closes_at is None or now < self.closes_at

    def is_closed(self, now: datetime) -> bool:
        return self.closes_at is not None and self.closes_at <= now

    def results_public(self, now: datetime) -> bool:
        """Whether the hidden-split (final) ranking is public at ``now``: once closed, and when
        the challenge holds its results, once they are announced."""
        if not self.is_closed(now):
            return False
        return not self.holds_results or self.results_announced_at is not None


class ChallengeDataJob(SQLModel, table=True):
    """Building an authored challenge's data bundle (from the simulator) in a worker: a job row
    under the lease protocol (:mod:`smarttouch.platform.jobs`). ``spec`` holds what to build;
    when it finishes the challenge row gets the bundle's blob key, contract and metrics."""

    __tablename__ = "challenge_data_job"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    spec: dict[str, Any] = json_field()
    status: str = Field(default="queued", max_length=16, index=True)
    failure_reason: str | None = Field(default=None, max_length=64)
    message: str = text_field()
    attempts: int = Field(default=0)
    lease_token: str | None = Field(default=None, max_length=120)
    lease_expires_at: datetime | None = time_field()
    created_at: datetime = created_field()
    started_at: datetime | None = time_field()
    finished_at: datetime | None = time_field()


class Solution(SQLModel, table=True):
    """A developer's named answer to a challenge; its code lives in submissions."""

    __table_args__ = (sa.UniqueConstraint("challenge_id", "developer_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True, ondelete="CASCADE")
    developer_id: int | None = Field(
        default=None,
        foreign_key="user_account.id",
        index=True,
        ondelete="CASCADE",
        description="None for the hub's reference (baseline) rows",
    )
    name: str = Field(max_length=120)
    kind: str = Field(max_length=16)
    created_at: datetime = created_field()
    is_reference: bool = Field(default=False, description="a baseline shown for comparison")
    description: str = text_field()


class Submission(SQLModel, table=True):
    """One immutable upload of a solution's code, identified by its SHA-256."""

    id: int | None = Field(default=None, primary_key=True)
    solution_id: int = Field(foreign_key="solution.id", index=True, ondelete="CASCADE")
    code_sha256: str = sha256_field(index=True)
    entrypoint: str = Field(max_length=200)
    status: str = Field(default=SubmissionStatus.queued, max_length=16, index=True)
    failure_reason: str | None = Field(default=None, max_length=64)
    log: str = text_field()
    submitted_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = created_field(index=True)
    started_at: datetime | None = time_field()
    finished_at: datetime | None = time_field()
    message: str = text_field()
    """one line for the developer saying precisely what happened"""
    splits: list[str] = json_field(list)
    result: dict[str, Any] = json_field()
    """the evaluation's per-split outcome (no logs); public-split details included"""
    artifacts: dict[str, str] = json_field()
    """file name -> blob key of what the harness produced (game screenshots)"""
    attempts: int = Field(default=0)
    lease_token: str | None = Field(default=None, max_length=120)
    lease_expires_at: datetime | None = time_field()


class Score(SQLModel, table=True):
    """One metric of one submission on one data split (public or hidden)."""

    __table_args__ = (sa.UniqueConstraint("submission_id", "split", "metric"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True, ondelete="CASCADE")
    split: str = Field(max_length=16)
    metric: str = Field(max_length=48)
    value: float


class Review(SQLModel, table=True):
    """A reviewer's decision on a submission, tied to the exact code hash reviewed."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True, ondelete="CASCADE")
    reviewer_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    decision: str = Field(max_length=24)
    code_sha256: str = sha256_field()
    note: str = text_field()
    created_at: datetime = created_field()
