"""Work repeated once on a connection the database dropped (no Flask here: services use it).

The scoring worker's engine does not ping connections before use
(:func:`smarttouch.platform.storage.db.without_pre_ping`); the first statement on a connection
PostgreSQL dropped meanwhile (a restart, an idle timeout) fails, SQLAlchemy invalidates it, and
the pool hands out a new one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy import exc as sa_exc

T = TypeVar("T")
P = ParamSpec("P")


def once_more_if_dropped(run: Callable[[], T]) -> T:
    """``run()``, run again once if it failed on a connection the database had dropped. For
    work that is one transaction and safe to repeat (the lease store's claim, renewal and
    finish; the pilots' safety check after a scoring commit)."""
    try:
        return run()
    except sa_exc.DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    return run()


def retried_once_if_dropped(work: Callable[P, T]) -> Callable[P, T]:
    """Decorate ``work`` (one transaction, safe to repeat) to be run through
    :func:`once_more_if_dropped` (the lease store's steps)."""

    @functools.wraps(work)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return once_more_if_dropped(lambda: work(*args, **kwargs))

    return run


__all__ = ["once_more_if_dropped", "retried_once_if_dropped"]
