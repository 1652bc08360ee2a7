"""Developers' submissions: staging an upload safely, caps per day, immutability by hash.

A submission is the canonical archive of exactly the code that will run (see
:mod:`smarttouch.challenges.archive`); its sha256 is its identity and the blob key under
which the hub keeps it. The same code from the same developer on the same challenge is
refused as a duplicate; an unsafe or malformed upload is recorded at once as ``rejected``
with the precise reason and never queued. Each submission (rejected ones included) counts
against the challenge's cap per rolling 24 hours; a team's members share one cap
(:mod:`.teams`).

The cap holds under concurrency: the count that decides and the insert it allows happen in
one write transaction that first locks the developer's user row (see :func:`_lock_developer`)
and, in a team, the team's row, so two simultaneous uploads from one developer (or team) are
decided one after the other.

Developers see only their own submissions; reviewer therapists and admins see all; nobody
else sees any (404, so their existence does not leak).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from smarttouch.challenges.archive import ArchiveRejected, sha256_hex
from smarttouch.challenges.leaderboard import submissions_left
from smarttouch.challenges.solution import stage_solution
from smarttouch.challenges.status import FAILURE_REASONS

from ...models import Challenge, Role, Solution, Submission, SubmissionStatus, User, pk, utcnow
from ...storage.blobstore import BlobStore
from .. import audit
from ..accounts.permissions import can_review
from ..errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from . import phases, teams, terms

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
SPLITS = ("public", "hidden")


class CapReached(ServiceError):
    """The developer used every submission the challenge allows per 24 hours."""

    status = 429
    code = "submission_cap_reached"


@dataclass(frozen=True)
class Quota:
    """Submissions left in the rolling 24 hours, and when the next one frees up."""

    cap: int
    left: int
    next_at: dt.datetime | None


def quota(session: Session, *, developer: User, challenge: Challenge, now: dt.datetime) -> Quota:
    """The developer's submissions left; in a team, the team's (every member's count)."""
    members = teams.member_ids(session, user_id=pk(developer), challenge_id=pk(challenge))
    times = session.exec(
        select(Submission.created_at)
        .join(Solution, col(Solution.id) == col(Submission.solution_id))
        .where(
            Solution.challenge_id == challenge.id,
            col(Solution.developer_id).in_(members),
            col(Submission.created_at) > now - dt.timedelta(days=1),
        )
    ).all()
    # a row stamped after ``now`` (a concurrent submission that started a moment later) is
    # still one used in the window: count it as made at ``now``
    cap = phases.daily_cap(challenge, now)
    left, next_at = submissions_left(cap, [min(t, now) for t in times], now)
    return Quota(cap, left, next_at)


def submit(
    session: Session,
    *,
    developer: User,
    challenge: Challenge,
    upload: bytes,
    filename: str,
    blobs: BlobStore,
    enqueue: Callable[[int], object],
    now: dt.datetime | None = None,
    ip: str | None = None,
) -> Submission:
    """Record ``upload`` (a solution zip) for ``challenge`` and queue its evaluation.

    Raises :class:`Forbidden` (not a developer, challenge closed, the challenge's data-use
    terms not accepted: :class:`.terms.TermsNotAccepted`), :class:`CapReached`,
    :class:`Conflict` (this exact code was submitted before), :class:`Invalid` (empty or
    oversized upload). An unsafe or malformed archive is not an exception: it is stored as a
    ``rejected`` submission whose message says why.
    """
    now = now or utcnow()
    if developer.role != Role.developer:
        raise Forbidden("only developers submit solutions")
    if not challenge.is_open(now):
        raise Forbidden(f"challenge {challenge.slug} is not open for submissions")
    if not challenge.bundle_sha256:
        raise Forbidden(f"challenge {challenge.slug} has no evaluation data imported yet")
    terms.require_accepted(session, user=developer, challenge=challenge)
    if not upload:
        raise Invalid("file: the upload is empty")
    if len(upload) > MAX_UPLOAD_BYTES:
        raise Invalid(f"file: larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
    # a quick answer before the staging work; _lock_developer + _check_cap decide for real
    _check_cap(session, developer=developer, challenge=challenge, now=now)
    with tempfile.TemporaryDirectory(prefix="st-upload-") as tmp:
        archive_path = Path(tmp) / "upload.zip"
        archive_path.write_bytes(upload)
        try:
            staged = stage_solution(archive_path, Path(tmp) / "staged")
            _check_target(staged.manifest.challenge, staged.manifest.kind, challenge)
        except ArchiveRejected as exc:
            return _record_rejected(
                session,
                developer=developer,
                challenge=challenge,
                upload=upload,
                filename=filename,
                reason=str(exc),
                now=now,
                ip=ip,
            )
    with _locked(session, developer=developer, challenge=challenge, now=now):
        _refuse_duplicate(session, developer=developer, challenge=challenge, sha256=staged.sha256)
        blobs.put(staged.archive)
        solution = _solution(
            session,
            developer=developer,
            challenge=challenge,
            name=staged.manifest.name,
            kind=staged.manifest.kind,
            description=staged.manifest.description,
        )
        submission = Submission(
            solution_id=pk(solution),
            code_sha256=staged.sha256,
            entrypoint=staged.manifest.entrypoint,
            status=SubmissionStatus.queued,
            message="waiting for a worker",
            splits=list(SPLITS),
            submitted_by_id=developer.id,
            created_at=now,
        )
        session.add(submission)
        session.flush()
        audit.record(
            session,
            action="submission.created",
            actor=developer,
            target_type="submission",
            target_id=submission.id,
            details={"challenge": challenge.slug, "sha256": staged.sha256},
            ip=ip,
        )
        session.commit()
    session.refresh(submission)
    try:
        enqueue(pk(submission))
    except Exception as exc:  # the queue (Redis, SQLite file) is down: say so, do not hang
        submission.status = SubmissionStatus.failed
        submission.failure_reason = "internal_error"
        submission.message = f"the evaluation queue is unavailable ({type(exc).__name__}); resubmit later"
        submission.finished_at = utcnow()
        session.add(submission)
        session.commit()
    return submission


def _check_cap(session: Session, *, developer: User, challenge: Challenge, now: dt.datetime) -> None:
    q = quota(session, developer=developer, challenge=challenge, now=now)
    if q.left <= 0:
        when = q.next_at.strftime("%Y-%m-%d %H:%M UTC") if q.next_at else "later"
        raise CapReached(
            f"you have used all {q.cap} submissions allowed per 24 hours for "
            f"{challenge.slug}; the next one is possible at {when}"
        )


def _lock_developer(session: Session, *, developer: User) -> None:
    """Serialise this developer's submissions until the current transaction ends.

    PostgreSQL: ``SELECT ... FOR UPDATE`` on the developer's user row; a concurrent submit
    waits here until the first one commits or rolls back, and (READ COMMITTED) its next
    statements then see the rows the first one inserted. SQLite ignores FOR UPDATE, so there a
    no-op UPDATE of the same row opens the write transaction (the driver issues ``BEGIN``
    before it) and takes SQLite's single write lock at once, waiting up to the busy timeout;
    the re-count that follows reads the newest committed data, as ``BEGIN IMMEDIATE`` would.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(User)
            .where(col(User.id) == developer.id)
            .values(id=User.id)
            .execution_options(synchronize_session=False)
        )
    else:
        session.exec(select(User.id).where(col(User.id) == developer.id).with_for_update()).one()


@contextmanager
def _locked(session: Session, *, developer: User, challenge: Challenge, now: dt.datetime) -> Iterator[None]:
    """Lock the developer (see :func:`_lock_developer`) and re-count against the cap before
    the caller inserts a submission; the caller commits. On any error inside, the transaction
    is rolled back so the lock is released at once and nothing half-written remains."""
    try:
        _lock_developer(session, developer=developer)
        teams.lock_for_cap(session, user_id=pk(developer), challenge_id=pk(challenge))
        _check_cap(session, developer=developer, challenge=challenge, now=now)
        yield
    except BaseException:
        session.rollback()
        raise


def _check_target(slug: str, kind: str, challenge: Challenge) -> None:
    if slug != challenge.slug:
        raise ArchiveRejected(f"solution.toml names challenge {slug!r}, but this is {challenge.slug!r}")
    if kind != challenge.kind:
        raise ArchiveRejected(
            f"solution.toml says kind {kind!r}, but {challenge.slug!r} takes {challenge.kind!r}"
        )


def _refuse_duplicate(session: Session, *, developer: User, challenge: Challenge, sha256: str) -> None:
    earlier = session.exec(
        select(Submission)
        .join(Solution, col(Solution.id) == col(Submission.solution_id))
        .where(
            Solution.challenge_id == challenge.id,
            Solution.developer_id == developer.id,
            Submission.code_sha256 == sha256,
        )
    ).first()
    if earlier is not None:
        raise Conflict(
            f"this exact code (sha256 {sha256[:12]}...) was already submitted as "
            f"submission #{earlier.id}; submissions are immutable"
        )


def _solution(
    session: Session, *, developer: User, challenge: Challenge, name: str, kind: str, description: str = ""
) -> Solution:
    row = session.exec(
        select(Solution).where(
            Solution.challenge_id == challenge.id,
            Solution.developer_id == developer.id,
            Solution.name == name,
        )
    ).first()
    if row is None:
        row = Solution(
            challenge_id=pk(challenge),
            developer_id=developer.id,
            name=name[:120],
            kind=kind,
            description=description[:2000],
        )
        session.add(row)
        session.flush()
    elif description and row.description != description:
        row.description = description[:2000]
        session.add(row)
    return row


def _record_rejected(
    session: Session,
    *,
    developer: User,
    challenge: Challenge,
    upload: bytes,
    filename: str,
    reason: str,
    now: dt.datetime,
    ip: str | None,
) -> Submission:
    sha = sha256_hex(upload)
    stem = Path(filename or "upload").stem[:100] or "upload"
    with _locked(session, developer=developer, challenge=challenge, now=now):
        _refuse_duplicate(session, developer=developer, challenge=challenge, sha256=sha)
        solution = _solution(
            session,
            developer=developer,
            challenge=challenge,
            name=f"{stem} (rejected upload)",
            kind=challenge.kind,
        )
        submission = Submission(
            solution_id=pk(solution),
            code_sha256=sha,
            entrypoint="",
            status=SubmissionStatus.rejected,
            failure_reason="rejected",
            message=reason[:2000],
            splits=[],
            submitted_by_id=developer.id,
            created_at=now,
            finished_at=now,
        )
        session.add(submission)
        session.flush()
        audit.record(
            session,
            action="submission.rejected",
            actor=developer,
            target_type="submission",
            target_id=submission.id,
            details={"challenge": challenge.slug, "reason": reason[:200]},
            ip=ip,
        )
        session.commit()
    session.refresh(submission)
    return submission


# --------------------------------------------------------------------------------- reading
def list_for_developer(
    session: Session, *, developer: User, challenge: Challenge | None = None
) -> list[tuple[Submission, Solution, Challenge]]:
    """The developer's own submissions, newest first."""
    stmt = (
        select(Submission, Solution, Challenge)
        .join(Solution, col(Solution.id) == col(Submission.solution_id))
        .join(Challenge, col(Challenge.id) == col(Solution.challenge_id))
        .where(Solution.developer_id == developer.id)
        .order_by(col(Submission.created_at).desc(), col(Submission.id).desc())
    )
    if challenge is not None:
        stmt = stmt.where(Solution.challenge_id == challenge.id)
    return [(sub, sol, ch) for sub, sol, ch in session.exec(stmt).all()]


def get_for(session: Session, *, user: User, submission_id: int) -> tuple[Submission, Solution, Challenge]:
    """A submission the user may see (the developer who owns it, reviewers, admins); else
    :class:`NotFound`."""
    sub = session.get(Submission, submission_id)
    sol = session.get(Solution, sub.solution_id) if sub is not None else None
    ch = session.get(Challenge, sol.challenge_id) if sol is not None else None
    if sub is None or sol is None or ch is None:
        raise NotFound(f"no submission {submission_id}")
    own = user.role == Role.developer and sol.developer_id == user.id
    if not (own or can_review(user)):
        raise NotFound(f"no submission {submission_id}")
    return sub, sol, ch


HIDDEN_ONLY_FOR_REVIEWERS = (
    "details of the hidden split are shown to reviewers only, so that hidden data cannot leave the hub"
)


def public_view(
    sub: Submission,
    sol: Solution,
    ch: Challenge,
    scores: dict[str, dict[str, float]],
    *,
    for_reviewer: bool = False,
) -> dict[str, Any]:
    """What a developer may read about their submission (JSON API and pages): status,
    precise reason, scores, the public split's log, message, screenshots and per-recording
    details; for the hidden split only its outcome and the fixed meaning of its failure reason
    (its log, the solution's error text and the screenshots could all carry hidden data out).
    Reviewers (``for_reviewer``) see everything."""
    splits = []
    for s in (sub.result or {}).get("splits", []):
        item = {k: s.get(k) for k in ("split", "status", "failure_reason", "message", "scores", "wall_s")}
        if s.get("split") == "public" or for_reviewer:
            item["details"] = s.get("details", [])
        else:
            item["message"] = _hidden_message(s.get("failure_reason"))
        splits.append(item)
    view = {
        "id": sub.id,
        "challenge": ch.slug,
        "solution": sol.name,
        "kind": sol.kind,
        "code_sha256": sub.code_sha256,
        "entrypoint": sub.entrypoint,
        "status": sub.status,
        "failure_reason": sub.failure_reason,
        "failure_meaning": FAILURE_REASONS.get(sub.failure_reason or "", None),
        "message": sub.message
        if for_reviewer or not _failed_on_hidden(sub)
        else _hidden_message(sub.failure_reason),
        "scores": scores,
        "splits": splits,
        "log": sub.log,
        "attempts": sub.attempts,
        "artifacts": visible_artifacts(sub, for_reviewer=for_reviewer),
        "submitted_at": sub.created_at.isoformat(),
        "started_at": sub.started_at.isoformat() if sub.started_at else None,
        "finished_at": sub.finished_at.isoformat() if sub.finished_at else None,
    }
    if for_reviewer:
        view["private_log"] = (sub.result or {}).get("private_log", "")
    return view


def _failed_on_hidden(sub: Submission) -> bool:
    """The evaluation stopped on the hidden split, so its message came from that run."""
    return any(
        s.get("split") != "public" and s.get("status") != SubmissionStatus.scored.value
        for s in (sub.result or {}).get("splits", [])
    )


def _hidden_message(reason: str | None) -> str:
    if reason is None:
        return "scored"
    meaning = FAILURE_REASONS.get(reason, "the evaluation failed")
    return f"hidden split: {meaning} ({HIDDEN_ONLY_FOR_REVIEWERS})"


def visible_artifacts(sub: Submission, *, for_reviewer: bool) -> list[str]:
    """Names of the harness's files (``split/name.png``) the viewer may open: the public
    split's for the developer, every split's for reviewers."""
    return sorted(name for name in (sub.artifacts or {}) if for_reviewer or name.startswith("public/"))


def artifact_key(sub: Submission, name: str, *, for_reviewer: bool) -> str:
    """The blob key of the artifact ``name`` of ``sub`` for this viewer.

    Raises :class:`NotFound` for a name the submission does not have and :class:`Forbidden`
    for a hidden-split file asked for by anyone but a reviewer: whatever a solution drew
    while it ran on the hidden recordings can encode them, so it never reaches the submitter.
    """
    key = (sub.artifacts or {}).get(name)
    if key is None:
        raise NotFound(f"submission {sub.id} has no file {name!r}")
    if name not in visible_artifacts(sub, for_reviewer=for_reviewer):
        raise Forbidden(f"{name}: screenshots of the hidden split are shown to reviewers only")
    return key
