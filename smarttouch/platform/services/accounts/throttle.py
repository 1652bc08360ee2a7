"""Login throttling stored in the database, so every web worker shares the counters.

Each attempt is checked against two keys: the account (``account:<email>``) and the client
address (``ip:<address>``; limits x5 because a clinic may share one address). After
``free`` failures a key must wait 1, 2, 4... seconds (capped at 60 s) between attempts;
after ``lock`` failures it is locked for ``lock_minutes``. Failures older than
``lock_minutes`` are forgotten; a successful login clears the account key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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
