"""Login throttling stored in the database, so every web worker shares the counters.

Each attempt is checked against two keys: the account (``account:<email>``) and the client
address (``ip:<address>``; limits x5 because a clinic may share one address). After
``free`` failures a key must wait 1, 2, 4... seconds (capped at 60 s) between attempts;
after ``lock`` failures it is locked for ``lock_minutes``. Failures older than
``lock_minutes`` are forgotten; a successful login clears the account key.

Two stores keep the counters so that every hub process shares them: the ``login_throttle``
table (the module functions :func:`check`, :func:`record_failure`, :func:`clear`, wrapped by
:class:`DatabaseThrottle`) and, when the hub has Redis, :class:`RedisThrottle` (one hash per
key, updated atomically by a Lua script, expiring by itself; key names are SHA-256 digests, so
Redis never holds an e-mail or IP address). :func:`store_for` picks one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ...models import LoginThrottle

MAX_DELAY_S = 60
IP_FACTOR = 5


@dataclass(frozen=True)
class ThrottlePolicy:
    free: int = 3
    lock: int = 10
    lock_minutes: int = 15

    def for_key(self, key: str) -> ThrottlePolicy:
        if key.startswith("ip:"):
            return ThrottlePolicy(self.free * IP_FACTOR, self.lock * IP_FACTOR, self.lock_minutes)
        return self


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_s: int = 0
    locked: bool = False


def keys_for(email: str, ip: str | None) -> list[str]:
    keys = [f"account:{email.strip().lower()[:254]}"]
    if ip:
        keys.append(f"ip:{ip}")
    return keys


def _verdict(row: LoginThrottle, policy: ThrottlePolicy, now: datetime) -> Verdict:
    if row.locked_until is not None and now < row.locked_until:
        return Verdict(False, int((row.locked_until - now).total_seconds()) + 1, locked=True)
    if now - row.last_failure_at > timedelta(minutes=policy.lock_minutes):
        return Verdict(True)
    if row.failures < policy.free:
        return Verdict(True)
    delay = min(2 ** (row.failures - policy.free), MAX_DELAY_S)
    wait = (row.last_failure_at + timedelta(seconds=delay) - now).total_seconds()
    return Verdict(True) if wait <= 0 else Verdict(False, int(wait) + 1)


def check(session: Session, *, keys: list[str], now: datetime, policy: ThrottlePolicy) -> Verdict:
    """Whether an attempt may proceed now; the strictest key wins."""
    rows = session.exec(select(LoginThrottle).where(col(LoginThrottle.key).in_(keys))).all()
    worst = Verdict(True)
    for row in rows:
        v = _verdict(row, policy.for_key(row.key), now)
        if not v.allowed and (worst.allowed or v.retry_after_s > worst.retry_after_s):
            worst = v
    return worst


def record_failure(session: Session, *, keys: list[str], now: datetime, policy: ThrottlePolicy) -> None:
    """Count one failed attempt on every key (atomic increment) and lock keys over the limit."""
    for key in keys:
        p = policy.for_key(key)
        row = session.get(LoginThrottle, key)
        if row is not None and now - row.last_failure_at > timedelta(minutes=p.lock_minutes):
            row.failures, row.first_failure_at, row.locked_until = 0, now, None
            session.add(row)
            session.flush()
        if row is None:
            try:
                with session.begin_nested():
                    session.add(LoginThrottle(key=key, failures=1, first_failure_at=now, last_failure_at=now))
                continue
            except IntegrityError:  # another worker inserted it first: increment instead
                pass
        session.execute(
            update(LoginThrottle)
            .where(col(LoginThrottle.key) == key)
            .values(failures=LoginThrottle.failures + 1, last_failure_at=now)
        )
        session.flush()
        row = session.get(LoginThrottle, key, populate_existing=True)
        if row is not None and row.failures >= p.lock:
            row.locked_until = now + timedelta(minutes=p.lock_minutes)
            session.add(row)
    session.commit()


def clear(session: Session, *, keys: list[str]) -> None:
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is not None:
            session.delete(row)
    session.commit()


class ThrottleStore(Protocol):
    """Where the counters live (the same policy on every store)."""

    def check(self, *, keys: list[str], now: datetime, policy: ThrottlePolicy) -> Verdict: ...

    def record_failure(self, *, keys: list[str], now: datetime, policy: ThrottlePolicy) -> None: ...

    def clear(self, *, keys: list[str]) -> None: ...


@dataclass
class DatabaseThrottle:
    """The counters in the ``login_throttle`` table, through ``session`` (which it commits)."""

    session: Session

    def check(self, *, keys: list[str], now: datetime, policy: ThrottlePolicy) -> Verdict:
        return check(self.session, keys=keys, now=now, policy=policy)

    def record_failure(self, *, keys: list[str], now: datetime, policy: ThrottlePolicy) -> None:
        record_failure(self.session, keys=keys, now=now, policy=policy)

    def clear(self, *, keys: list[str]) -> None:
        clear(self.session, keys=keys)


# KEYS[1]: the counter; ARGV: now, window (s), lock threshold, locked-until, expiry (s).
# Same steps as record_failure: forget old failures, count one, lock over the threshold.
_RECORD = """
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '-1e18')
if tonumber(ARGV[1]) - last > tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) end
local n = redis.call('HINCRBY', KEYS[1], 'failures', 1)
redis.call('HSETNX', KEYS[1], 'first', ARGV[1])
redis.call('HSET', KEYS[1], 'last', ARGV[1])
if n >= tonumber(ARGV[3]) then redis.call('HSET', KEYS[1], 'locked', ARGV[4]) end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return n
"""


class RedisThrottle:
    """The counters in Redis: ``<prefix><sha256(key)>`` hashes (failures, first, last, locked
    as epoch seconds) that expire twice the lock time after the last failure."""

    def __init__(self, client: Any, prefix: str = "smarttouch:throttle:") -> None:
        self.client, self.prefix = client, prefix
        self._record = client.register_script(_RECORD)

    def _name(self, key: str) -> str:
        return self.prefix + hashlib.sha256(key.encode("utf-8")).hexdigest()

    def check(self, *, keys: list[str], now: datetime, policy: ThrottlePolicy) -> Verdict:
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.hmget(self._name(key), "failures", "last", "locked")
        worst = Verdict(True)
        for key, (failures, last, locked) in zip(keys, pipe.execute(), strict=True):
            if failures is None or last is None:
                continue
            row = LoginThrottle(
                key=key,
                failures=int(failures),
                last_failure_at=_when(float(last), now),
                locked_until=_when(float(locked), now) if locked is not None else None,
            )
            v = _verdict(row, policy.for_key(key), now)
            if not v.allowed and (worst.allowed or v.retry_after_s > worst.retry_after_s):
                worst = v
        return worst

    def record_failure(self, *, keys: list[str], now: datetime, policy: ThrottlePolicy) -> None:
        for key in keys:
            p = policy.for_key(key)
            window = p.lock_minutes * 60
            locked_until = _epoch(now + timedelta(minutes=p.lock_minutes))
            self._record(
                keys=[self._name(key)], args=[_epoch(now), window, p.lock, locked_until, 2 * window + 60]
            )

    def clear(self, *, keys: list[str]) -> None:
        if keys:
            self.client.delete(*(self._name(k) for k in keys))


def _epoch(at: datetime) -> float:
    """Epoch seconds of ``at`` (a naive datetime is UTC, as the database stores it)."""
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp()


def _when(epoch: float, like: datetime) -> datetime:
    """Epoch seconds as a datetime, aware or naive like ``like``."""
    at = datetime.fromtimestamp(epoch, tz=UTC)
    return at if like.tzinfo is not None else at.replace(tzinfo=None)


def store_for(session: Session, redis: Any = None) -> ThrottleStore:
    """Redis counters when the hub has a Redis client, the database's otherwise."""
    return RedisThrottle(redis) if redis is not None else DatabaseThrottle(session)
