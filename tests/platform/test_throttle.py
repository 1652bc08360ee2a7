"""The login-throttle policy on both backends, with an explicit clock."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlmodel import Session

from smarttouch.platform.models import LoginThrottle, utcnow
from smarttouch.platform.services.accounts import throttle
from smarttouch.platform.storage.db import get_engine

POLICY = throttle.ThrottlePolicy(free=3, lock=6, lock_minutes=15)


def test_delays_grow_then_lock_then_expire(db_app: Flask) -> None:
    keys = throttle.keys_for("Someone@Example.org", "10.0.0.7")
    assert keys == ["account:someone@example.org", "ip:10.0.0.7"]
    t0 = utcnow()
    with Session(get_engine(db_app)) as session:
        for _i in range(3):
            assert throttle.check(session, keys=keys, now=t0, policy=POLICY).allowed
            throttle.record_failure(session, keys=keys, now=t0, policy=POLICY)
        v = throttle.check(session, keys=keys, now=t0, policy=POLICY)
        assert not v.allowed and v.retry_after_s == 2 and not v.locked  # 1 s delay, rounded up
        assert throttle.check(session, keys=keys, now=t0 + timedelta(seconds=1.5), policy=POLICY).allowed
        t = t0
        for _i in range(3):  # failures 4..6: delays 2, 4, then the lock
            t += timedelta(seconds=10)
            throttle.record_failure(session, keys=keys, now=t, policy=POLICY)
        v = throttle.check(session, keys=keys, now=t + timedelta(minutes=1), policy=POLICY)
        assert v.locked and not v.allowed and 13 * 60 < v.retry_after_s <= 15 * 60 + 1
        later = t + timedelta(minutes=16)
        assert throttle.check(session, keys=keys, now=later, policy=POLICY).allowed
        throttle.record_failure(session, keys=keys, now=later, policy=POLICY)
        row = session.get(LoginThrottle, keys[0], populate_existing=True)
        assert row.failures == 1 and row.locked_until is None  # old failures forgotten


def test_ip_key_tolerates_more_failures(db_app: Flask) -> None:
    now = utcnow()
    with Session(get_engine(db_app)) as session:
        for n in range(5):
            throttle.record_failure(
                session, keys=[f"account:user{n}@x.org", "ip:10.0.0.9"], now=now, policy=POLICY
            )
        assert throttle.check(
            session, keys=["account:new@x.org", "ip:10.0.0.9"], now=now, policy=POLICY
        ).allowed
        throttle.clear(session, keys=["ip:10.0.0.9"])
        assert session.get(LoginThrottle, "ip:10.0.0.9") is None
