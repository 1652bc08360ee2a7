"""What else runs when a session is scored: hooks other features register (the pilots'
interim safety check), called by :func:`.scoring.save_result` for each scored session in the
job's finishing transaction.

A hook gets ``(session, scored session row, hub time zone)``. It must be cheap when it has
nothing to do (one indexed query, or none when the alert sources already read what it needs:
:func:`shared_reads`) and must not commit: work that needs the result stored
(a check that commits, an e-mail) is handed to :func:`after_commit`, which runs it once the
result is committed and never if it is rolled back. Each hook runs in a savepoint: a hook
that fails is logged and its writes rolled back; the scoring result is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import tzinfo
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from ...models import ExerciseSession

log = logging.getLogger(__name__)

AfterScoring = Callable[[Session, ExerciseSession, "tzinfo | str"], None]
_HOOKS: list[AfterScoring] = []
_PENDING = "smarttouch.after_scoring_commit"  # session.info key: the work waiting for the commit
_SHARED = "smarttouch.after_scoring_shared"  # session.info key: the alert sources' reads


def register(hook: AfterScoring) -> AfterScoring:
    """Add ``hook`` (once, however often its module is imported); usable as a decorator."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)
    return hook


def run(
    session: Session, row: ExerciseSession, tz: tzinfo | str, *, shared: dict[str, Any] | None = None
) -> None:
    """Call every registered hook for the scored session ``row``. ``shared``: what the alert
    sources of this scoring read (:attr:`.alerts.AlertContext.shared`), offered to the hooks
    through :func:`shared_reads` while they run."""
    session.info[_SHARED] = shared if shared is not None else {}
    try:
        for hook in list(_HOOKS):
            try:
                with session.begin_nested():  # a failed hook's writes only are rolled back
                    hook(session, row, tz)
            except Exception:  # (see update_alerts: PostgreSQL would otherwise lose the result)
                log.exception("after-scoring hook %s failed for session %s", hook.__qualname__, row.id)
    finally:
        session.info.pop(_SHARED, None)


def shared_reads(session: Session) -> dict[str, Any]:
    """For a hook while it runs: what the alert sources of the same scoring already read
    (key -> value, see :attr:`.alerts.AlertContext.shared`); a hook may add its own reads.
    Empty outside :func:`run`."""
    found: dict[str, Any] = session.info.get(_SHARED, {})
    return found


def after_commit(session: Session, work: Callable[[], None]) -> None:
    """Run ``work`` once ``session``'s transaction commits (not at all if it rolls back);
    ``work`` opens its own session. Its failure is logged: what was committed stays."""
    session.info.setdefault(_PENDING, []).append(work)
    if not event.contains(session, "after_commit", _run_pending):
        event.listen(session, "after_commit", _run_pending)
        event.listen(session, "after_rollback", _drop_pending)


def _run_pending(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released (each hook runs in one): the
        return  # work waits for the real commit (SQLAlchemy calls after_commit for both)
    for work in session.info.pop(_PENDING, []):
        try:
            work()
        except Exception:
            log.exception("work after the scoring commit failed")


def _drop_pending(session: Session) -> None:
    if session.in_nested_transaction():  # a failed hook's savepoint: the transaction goes on
        return
    session.info.pop(_PENDING, None)
