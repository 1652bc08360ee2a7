"""Response models of the challenge API (they also generate its part of the one OpenAPI
document, ``/api/v1/openapi.json``; errors use ``api.schemas.ErrorResponse``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class MetricOut(BaseModel):
    name: str
    label: str
    better: str | None = Field(description="higher or lower")


class LeaderboardRowOut(BaseModel):
    rank: int | None = Field(description="1-based; null for reference rows")
    solution: str
    developer: str | None = Field(description="null for the hub's reference rows")
    reference: bool
    submission_id: int
    code_sha256: str
    submitted_at: str
    scores: dict[str, float] = Field(description="metric name -> value on the ranked split")


class LeaderboardOut(BaseModel):
    challenge: str
    title: str
    split: str = Field(description="public while the challenge is open, hidden once closed")
    closed: bool
    primary_metric: str
    metrics: list[MetricOut]
    rows: list[LeaderboardRowOut]


class SplitOut(BaseModel):
    split: str
    status: str
    failure_reason: str | None = None
    message: str = ""
    scores: dict[str, float] = {}
    wall_s: float | None = None
    details: list[dict[str, Any]] = Field(default=[], description="public split only")


class SubmissionOut(BaseModel):
    id: int
    challenge: str
    solution: str
    kind: str
    code_sha256: str
    entrypoint: str
    status: str = Field(description="queued, running, scored, failed, timed_out or rejected")
    failure_reason: str | None
    failure_meaning: str | None
    message: str
    scores: dict[str, dict[str, float]] = Field(description="split -> metric -> value")
    splits: list[SplitOut]
    log: str = Field(description="what the code printed on the public split (last 64 KiB)")
    attempts: int
    artifacts: list[str]
    submitted_at: str
    started_at: str | None
    finished_at: str | None
    url: str | None = None
