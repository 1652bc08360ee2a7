"""State that every hub and worker process must share: in Redis when ``SMARTTOUCH_REDIS_URL``
is set, in the database otherwise.

A hub runs as N web processes on M machines plus K workers, so nothing that must hold across
requests may live in one process's memory. This module gives the processes one Redis
connection pool per app (:func:`redis_client`) and named leases (:class:`Locks`:
:class:`RedisLocks` or :class:`DatabaseLocks`, the ``shared_lock`` table). The login and
pairing throttles use the same choice (:func:`smarttouch.platform.services.accounts.throttle.
store_for`); job leases always live in the job rows (:mod:`smarttouch.platform.jobs.leases`).
See ``docs/deploy.md`` for the full list of what is shared and where.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from ..models import SharedLock, rowcount, utcnow

if TYPE_CHECKING:
    from flask import Flask

REDIS_EXTENSION_KEY = "smarttouch.redis"
#: Prefix of every Redis key the hub writes itself (huey uses its own ``huey.*`` keys).
REDIS_PREFIX = "smarttouch:"


def redis_client(app: Flask | None = None) -> Any:
    """The app's Redis client (one connection pool per app), or None without ``REDIS_URL``."""
    if app is None:
        from flask import current_app

        app = current_app
    url = app.config.get("REDIS_URL") or ""
    if not url:
        return None
    client = app.extensions.get(REDIS_EXTENSION_KEY)
    if client is None:
        import redis

        client = app.extensions[REDIS_EXTENSION_KEY] = redis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
        )
    return client


class Locks(ABC):
    """Named leases: :meth:`acquire` succeeds for one holder at a time until the lease
    expires (``ttl_s``) or its holder releases it, across every process."""

    @abstractmethod
    def acquire(self, name: str, holder: str, ttl_s: float, *, now: datetime | None = None) -> bool: ...

    @abstractmethod
    def release(self, name: str, holder: str) -> None:
        """Give the lease back if ``holder`` still has it."""


# compare-and-delete: only the holder may release
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class RedisLocks(Locks):
    """Leases as Redis keys (``SET NX PX``): expiry is Redis's clock, not the caller's."""

    def __init__(self, client: Any, prefix: str = REDIS_PREFIX + "lock:") -> None:
        self.client, self.prefix = client, prefix

    def acquire(self, name: str, holder: str, ttl_s: float, *, now: datetime | None = None) -> bool:
        return bool(self.client.set(self.prefix + name, holder, nx=True, px=max(1, int(ttl_s * 1000))))

    def release(self, name: str, holder: str) -> None:
        self.client.eval(_RELEASE, 1, self.prefix + name, holder)


class DatabaseLocks(Locks):
    """Leases as ``shared_lock`` rows: an insert, or an update of an expired row; the
    database's unique key and conditional update decide between racing processes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def acquire(self, name: str, holder: str, ttl_s: float, *, now: datetime | None = None) -> bool:
        now = now or utcnow()
        expires = now + timedelta(seconds=ttl_s)
        with Session(self.engine) as session:
            try:
                session.add(SharedLock(name=name, holder=holder, expires_at=expires))
                session.commit()
                return True
            except IntegrityError:
                session.rollback()
            taken = session.execute(
                update(SharedLock)
                .where(col(SharedLock.name) == name, col(SharedLock.expires_at) <= now)
                .values(holder=holder, expires_at=expires)
            )
            session.commit()
            return rowcount(taken) == 1

    def release(self, name: str, holder: str) -> None:
        with Session(self.engine) as session:
            session.execute(
                delete(SharedLock).where(col(SharedLock.name) == name, col(SharedLock.holder) == holder)
            )
            session.commit()


def locks_for(app: Flask, engine: Engine) -> Locks:
    """Redis leases when the app has ``REDIS_URL``, database leases otherwise."""
    client = redis_client(app)
    return RedisLocks(client) if client is not None else DatabaseLocks(engine)
