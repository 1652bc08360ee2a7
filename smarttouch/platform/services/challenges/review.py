"""Therapists' review of scored submissions, and what an approval puts in the catalogue.

A reviewer (a therapist with the reviewer flag, or an admin) sees a scored submission's
scores beside the reference rows, its screenshots, its code and sha256, and approves, asks
for changes or rejects it with a note. The decision is tied to that exact code hash.

What an approval does is the challenge kind's ``on_approval``
(:class:`~smarttouch.challenges.kinds.spec.KindSpec`):

* ``activity`` (games): the solution becomes (or updates) the catalogue activity
  ``solution-<id>`` (the code's sha256), which therapists can then assign; the patient client
  downloads it by that hash.
* ``session_analyzer`` (analyzers): the solution becomes selectable, per movement, to score
  sessions beside the hub's own metrics (:func:`choose_analyzer`).

Rejecting or asking for changes on the code an activity runs deactivates that activity.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from smarttouch.challenges.kinds.registry import UnknownKind, kind_spec, kinds

from ...i18n.vocab import MOVEMENTS
from ...models import (
    Activity,
    AnalyzerChoice,
    Challenge,
    Review,
    ReviewDecision,
    Solution,
    Submission,
    SubmissionStatus,
    User,
    pk,
    utcnow,
)
from ...storage.blobstore import BlobStore
from .. import audit
from ..accounts.permissions import can_review
from ..errors import Forbidden, Invalid, NotFound
from ..needs.answers import answer_linked_needs, reopen_withdrawn
from ..needs.notices import NeedNotice, Notify, deliver
from .leaderboards import build_leaderboard, scores_by_submission

MAX_LISTED_BYTES = 200 * 1024
TEXT_SUFFIXES = (".py", ".toml", ".md", ".txt", ".json", ".cfg", ".ini", ".yaml", ".yml", ".csv")


@dataclass(frozen=True)
class CodeFile:
    """One file of a submission's archive: ``text`` is None for binary or very large files."""

    name: str
    size: int
    text: str | None


def on_approval(kind: str) -> str:
    """What approving a solution of challenge kind ``kind`` does (``"none"`` for a kind this
    hub no longer knows)."""
    try:
        return kind_spec(kind).on_approval
    except UnknownKind:
        return "none"


def require_reviewer(user: User) -> None:
    if not can_review(user):
        raise Forbidden("only therapists who review solutions (and admins) may do this")


def activity_key(solution: Solution) -> str:
    return f"solution-{solution.id}"


def latest_reviews(session: Session, submission_ids: list[int]) -> dict[int, Review]:
    out: dict[int, Review] = {}
    if not submission_ids:
        return out
    for r in session.exec(
        select(Review)
        .where(col(Review.submission_id).in_(submission_ids))
        .order_by(col(Review.created_at), col(Review.id))
    ):
        out[r.submission_id] = r
    return out


def review_queue(session: Session, *, reviewer: User) -> list[dict[str, Any]]:
    """Scored developer submissions, those awaiting a decision first, newest first."""
    require_reviewer(reviewer)
    rows = session.exec(
        select(Submission, Solution, Challenge)
        .join(Solution, col(Solution.id) == col(Submission.solution_id))
        .join(Challenge, col(Challenge.id) == col(Solution.challenge_id))
        .where(Submission.status == SubmissionStatus.scored, col(Solution.is_reference).is_(False))
        .order_by(col(Submission.created_at).desc(), col(Submission.id).desc())
    ).all()
    reviews = latest_reviews(session, [pk(s) for s, _, _ in rows])
    scores = scores_by_submission(session, [pk(s) for s, _, _ in rows])
    items = [
        {
            "submission": sub,
            "solution": sol,
            "challenge": ch,
            "review": reviews.get(pk(sub)),
            "scores": scores.get(pk(sub), {}),
        }
        for sub, sol, ch in rows
    ]
    return sorted(items, key=lambda i: i["review"] is not None)


def code_files(blobs: BlobStore, sha256: str) -> list[CodeFile]:
    """The files of a stored canonical archive, text shown for reviewable sources."""
    data = blobs.get(sha256)
    files = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            text = None
            if info.filename.endswith(TEXT_SUFFIXES) and info.file_size <= MAX_LISTED_BYTES:
                raw = zf.read(info)
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    text = None
            files.append(CodeFile(info.filename, info.file_size, text))
    return files


def review_context(
    session: Session, *, reviewer: User, submission_id: int, blobs: BlobStore, now: Any
) -> dict[str, Any]:
    """Everything the review page shows about one submission."""
    require_reviewer(reviewer)
    sub = session.get(Submission, submission_id)
    sol = session.get(Solution, sub.solution_id) if sub else None
    ch = session.get(Challenge, sol.challenge_id) if sol else None
    if sub is None or sol is None or ch is None or sol.is_reference:
        raise NotFound(f"no submission {submission_id}")
    scores = scores_by_submission(session, [pk(sub)])[pk(sub)]
    references = {
        split: [r for r in build_leaderboard(session, challenge=ch, now=now, split=split).rows if r.reference]
        for split in ("public", "hidden")
    }
    history = list(
        session.exec(
            select(Review)
            .join(Submission, col(Submission.id) == col(Review.submission_id))
            .where(Submission.solution_id == sol.id)
            .order_by(col(Review.created_at).desc())
        )
    )
    developer = session.get(User, sol.developer_id) if sol.developer_id else None
    return {
        "submission": sub,
        "solution": sol,
        "challenge": ch,
        "scores": scores,
        "references": references,
        "files": code_files(blobs, sub.code_sha256),
        "screenshots": sorted(sub.artifacts or {}),
        "history": history,
        "developer": developer,
        "activity": _activity_for(session, sol),
    }


def _activity_for(session: Session, solution: Solution) -> Activity | None:
    return session.exec(select(Activity).where(Activity.key == activity_key(solution))).first()


def decide(
    session: Session,
    *,
    reviewer: User,
    submission_id: int,
    decision: str,
    note: str,
    ip: str | None = None,
    notify: Notify | None = None,
) -> Review:
    """Record a decision on a scored submission; see the module docstring for its effects.

    An approval also answers the clinical needs turned into the challenge
    (:func:`..needs.answers.answer_linked_needs`); ``notify`` tells their subscribers once the
    decision is committed."""
    require_reviewer(reviewer)
    if decision not in ReviewDecision.__members__:
        raise Invalid(f"decision: expected one of {', '.join(ReviewDecision)}, got {decision!r}")
    note = (note or "").strip()
    if decision != ReviewDecision.approved and not note:
        raise Invalid("note: say what must change, or why it is rejected")
    if len(note) > 5000:
        raise Invalid("note: at most 5000 characters")
    sub = session.get(Submission, submission_id)
    sol = session.get(Solution, sub.solution_id) if sub else None
    ch = session.get(Challenge, sol.challenge_id) if sol else None
    if sub is None or sol is None or ch is None or sol.is_reference:
        raise NotFound(f"no submission {submission_id}")
    if sub.status != SubmissionStatus.scored:
        raise Invalid(f"submission {sub.id} is {sub.status}: only scored submissions are reviewed")
    review = Review(
        submission_id=pk(sub),
        reviewer_id=reviewer.id,
        decision=decision,
        code_sha256=sub.code_sha256,
        note=note,
    )
    session.add(review)
    session.flush()
    activity = _activity_for(session, sol)
    answered: list[NeedNotice] = []
    if decision == ReviewDecision.approved:
        answered = answer_linked_needs(session, solution=sol, challenge=ch, actor=reviewer, ip=ip)
    if decision == ReviewDecision.approved and on_approval(sol.kind) == "activity":
        activity = _publish_game(session, sub=sub, sol=sol, ch=ch, activity=activity)
    elif decision != ReviewDecision.approved:
        if activity is not None and activity.code_sha256 == sub.code_sha256:
            activity.is_active = False
            session.add(activity)
        for choice in session.exec(select(AnalyzerChoice).where(AnalyzerChoice.submission_id == sub.id)):
            session.delete(choice)
        reopen_withdrawn(session, solution=sol, actor=reviewer, ip=ip)
    audit.record(
        session,
        action=f"submission.{decision}",
        actor=reviewer,
        target_type="submission",
        target_id=sub.id,
        details={
            "challenge": ch.slug,
            "sha256": sub.code_sha256,
            "activity": activity.key if activity is not None else None,
        },
        ip=ip,
    )
    session.commit()
    session.refresh(review)
    for notice in answered:
        deliver(notify, notice)
    return review


def _publish_game(
    session: Session, *, sub: Submission, sol: Solution, ch: Challenge, activity: Activity | None
) -> Activity:
    movement = ch.movement or (ch.io_contract or {}).get("options", {}).get("movement")
    movements = [movement] if movement in MOVEMENTS else []
    if activity is None:
        activity = Activity(key=activity_key(sol), kind=sol.kind, title=sol.name[:120], source="solution")
    activity.title = sol.name[:120]
    activity.description = sol.description or ch.summary
    activity.movements = movements
    activity.submission_id = sub.id
    activity.code_sha256 = sub.code_sha256
    activity.is_active = True
    session.add(activity)
    session.flush()
    return activity


def approved_analyzers(session: Session) -> list[tuple[Submission, Solution, Challenge]]:
    """Scored submissions of kinds approved as session analyzers whose latest review approves
    their code."""
    analyzer_kinds = [name for name, spec in kinds().items() if spec.on_approval == "session_analyzer"]
    rows = session.exec(
        select(Submission, Solution, Challenge)
        .join(Solution, col(Solution.id) == col(Submission.solution_id))
        .join(Challenge, col(Challenge.id) == col(Solution.challenge_id))
        .where(
            col(Solution.kind).in_(analyzer_kinds),
            Submission.status == SubmissionStatus.scored,
            col(Solution.is_reference).is_(False),
        )
    ).all()
    reviews = latest_reviews(session, [pk(s) for s, _, _ in rows])
    return [
        (s, so, c)
        for s, so, c in rows
        if (r := reviews.get(pk(s))) is not None
        and r.decision == ReviewDecision.approved
        and r.code_sha256 == s.code_sha256
    ]


def analyzer_choices(session: Session) -> dict[str, AnalyzerChoice]:
    return {c.movement: c for c in session.exec(select(AnalyzerChoice))}


def choose_analyzer(
    session: Session, *, reviewer: User, movement: str, submission_id: int | None, ip: str | None = None
) -> AnalyzerChoice | None:
    """Let the approved analyzer ``submission_id`` also score sessions of ``movement``
    (None clears the choice). Runs happen in the background (see :mod:`smarttouch.platform.jobs`)."""
    require_reviewer(reviewer)
    if movement not in MOVEMENTS:
        raise Invalid(f"movement: unknown movement {movement!r}")
    current = session.exec(select(AnalyzerChoice).where(AnalyzerChoice.movement == movement)).first()
    if submission_id is None:
        if current is not None:
            session.delete(current)
        audit.record(
            session, action="analyzer.cleared", actor=reviewer, details={"movement": movement}, ip=ip
        )
        session.commit()
        return None
    if submission_id not in {s.id for s, _, _ in approved_analyzers(session)}:
        raise Invalid(f"submission {submission_id} is not an approved analyzer")
    if current is None:
        current = AnalyzerChoice(movement=movement, submission_id=submission_id)
    current.submission_id = submission_id
    current.chosen_by_id = reviewer.id
    current.chosen_at = utcnow()
    session.add(current)
    audit.record(
        session,
        action="analyzer.chosen",
        actor=reviewer,
        target_type="submission",
        target_id=submission_id,
        details={"movement": movement},
        ip=ip,
    )
    session.commit()
    session.refresh(current)
    return current


def analyzer_runs_for_session(session: Session, *, session_id: int) -> list[dict[str, Any]]:
    """The chosen analyzers' results on one exercise session, to show beside the hub's own
    metrics (which stay authoritative). The caller must already have checked that the user
    may see this session's patient."""
    from ...models import AnalyzerRun

    rows = session.exec(
        select(AnalyzerRun, Submission, Solution)
        .join(Submission, col(Submission.id) == col(AnalyzerRun.submission_id))
        .join(Solution, col(Solution.id) == col(Submission.solution_id))
        .where(AnalyzerRun.session_id == session_id)
        .order_by(col(AnalyzerRun.id))
    ).all()
    return [
        {
            "analyzer": sol.name,
            "submission_id": sub.id,
            "code_sha256": run.code_sha256,
            "status": run.status,
            "failure_reason": run.failure_reason,
            "message": run.message,
            "outputs": dict(run.outputs or {}),
            "finished_at": run.finished_at,
        }
        for run, sub, sol in rows
    ]
