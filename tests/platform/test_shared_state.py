"""State shared by several hub and worker processes: in Redis when the hub has
``REDIS_URL``, in the database otherwise. Each test runs two app instances on one database
(two web or worker processes), on SQLite and PostgreSQL, and on Redis when
``SMARTTOUCH_TEST_REDIS_URL`` is set."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, select

from smarttouch.challenges.jobqueue import make_huey
from smarttouch.platform.jobs.queue import TICK_LOCK, HubQueue
from smarttouch.platform.models import LoginThrottle, SharedLock, utcnow
from smarttouch.platform.services.accounts import throttle
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.storage.shared import DatabaseLocks, Locks, RedisLocks, locks_for, redis_client
from smarttouch.platform.testing import login

POLICY = throttle.ThrottlePolicy(free=3, lock=6, lock_minutes=15)


@pytest.fixture(params=["database", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    """ "" (the database) or a Redis URL."""
    return request.getfixturevalue("redis_url") if request.param == "redis" else ""


@pytest.fixture
def two_apps(db_app: Flask, make_app: Callable[..., Flask], backend: str) -> Iterator[tuple[Flask, Flask]]:
    """Two hub apps on one migrated database (``db_url``: SQLite, PostgreSQL), both on Redis
    when ``backend`` is a URL."""
    url = db_app.config["DATABASE_URL"]
    # the lock comes with the last free failure, so "refused on both hubs" does not depend on
    # how fast a loaded machine gets from one request to the next (the 1 s wait would)
    extra = {"REDIS_URL": backend, "LOGIN_LOCK_FAILURES": db_app.config["LOGIN_FREE_FAILURES"]}
    yield make_app(url, **extra), make_app(url, **extra)


def _locks(app: Flask) -> Locks:
    return locks_for(app, get_engine(app))


def test_a_lease_has_one_holder_across_processes(two_apps: tuple[Flask, Flask], backend: str) -> None:
    first, second = (_locks(a) for a in two_apps)
    assert isinstance(first, RedisLocks if backend else DatabaseLocks)
    name = f"test-{uuid.uuid4().hex}"
    assert first.acquire(name, "hub-a:1", 30)
    assert not second.acquire(name, "hub-b:2", 30)
    second.release(name, "hub-b:2")  # not the holder: no effect
    assert not second.acquire(name, "hub-b:2", 30)
    first.release(name, "hub-a:1")
    assert second.acquire(name, "hub-b:2", 0.3)
    if backend:  # Redis expires the key on its own clock
        time.sleep(0.5)
        assert first.acquire(name, "hub-a:1", 30)
    else:  # the database compares with the caller's clock
        assert first.acquire(name, "hub-a:1", 30, now=utcnow() + timedelta(seconds=1))
        with Session(get_engine(two_apps[0])) as s:
            assert s.get(SharedLock, name).holder == "hub-a:1"
    first.release(name, "hub-a:1")


def test_one_worker_ticks_per_minute(two_apps: tuple[Flask, Flask], backend: str, tmp_path: Path) -> None:
    """Every huey consumer enqueues the periodic tick; only the first takes the lease."""
    queues = [
        HubQueue(app, huey=make_huey(instance=tmp_path / f"q{i}", redis_url=""))
        for i, app in enumerate(two_apps)
    ]
    queues[1].worker = "other-host:42"
    try:
        assert queues[0].periodic_tick() is True
        assert queues[1].periodic_tick() is False
        assert queues[0].periodic_tick() is False  # not twice in the same minute either
    finally:
        queues[0].locks.release(TICK_LOCK, queues[0].worker)


def _unique_ip() -> str:
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


def test_login_throttle_is_shared(two_apps: tuple[Flask, Flask], backend: str) -> None:
    """Failures through one hub process count on the other; on Redis no row is written and
    no e-mail or address appears in Redis."""
    from smarttouch.platform.testing import Factories

    first, second = two_apps
    user = Factories(first).user("therapist")
    ip = _unique_ip()
    clients = [first.test_client(), second.test_client()]
    for c in clients:
        c.environ_base["REMOTE_ADDR"] = ip
    free = first.config["LOGIN_FREE_FAILURES"]
    try:
        for i in range(free):
            assert login(clients[i % 2], user.email, "nope-nope-1").status_code == 401
        assert login(clients[0], user.email).status_code == 429
        assert login(clients[1], user.email).status_code == 429
        with Session(get_engine(first)) as s:
            rows = s.exec(select(LoginThrottle)).all()
        if backend:
            assert rows == []
            r = redis_client(first)
            names = [k.decode() for k in r.scan_iter(match="smarttouch:throttle:*", count=1000)]
            digest = hashlib.sha256(f"account:{user.email}".encode()).hexdigest()
            assert f"smarttouch:throttle:{digest}" in names
            assert not any(user.email in n or ip in n for n in names)
        else:
            assert {row.key for row in rows} == {f"account:{user.email}", f"ip:{ip}"}
    finally:
        throttle.store_for(Session(get_engine(first)), redis_client(first)).clear(
            keys=throttle.keys_for(user.email, ip)
        )


def test_redis_throttle_follows_the_same_policy(
    redis_url: str, app: Flask, make_app: Callable[..., Flask]
) -> None:
    """The policy test of the database store (tests/platform/test_throttle.py), on Redis."""
    hub = make_app(app.config["DATABASE_URL"], REDIS_URL=redis_url)
    store = throttle.RedisThrottle(redis_client(hub), prefix=f"test:{uuid.uuid4().hex}:")
    keys = throttle.keys_for(f"someone-{uuid.uuid4().hex[:6]}@example.org", _unique_ip())
    t0 = utcnow()
    try:
        for _i in range(3):
            assert store.check(keys=keys, now=t0, policy=POLICY).allowed
            store.record_failure(keys=keys, now=t0, policy=POLICY)
        v = store.check(keys=keys, now=t0, policy=POLICY)
        assert not v.allowed and v.retry_after_s == 2 and not v.locked
        assert store.check(keys=keys, now=t0 + timedelta(seconds=1.5), policy=POLICY).allowed
        t = t0
        for _i in range(3):
            t += timedelta(seconds=10)
            store.record_failure(keys=keys, now=t, policy=POLICY)
        v = store.check(keys=keys, now=t + timedelta(minutes=1), policy=POLICY)
        assert v.locked and not v.allowed and 13 * 60 < v.retry_after_s <= 15 * 60 + 1
        later = t + timedelta(minutes=16)
        assert store.check(keys=keys, now=later, policy=POLICY).allowed
        store.record_failure(keys=keys, now=later, policy=POLICY)
        failures, locked = store.client.hmget(store._name(keys[0]), "failures", "locked")
        assert int(failures) == 1 and locked is None  # old failures forgotten
        ttl = store.client.ttl(store._name(keys[0]))
        assert 15 * 60 < ttl <= 2 * 15 * 60 + 60  # and the counter expires by itself
        store.clear(keys=keys)
        assert store.client.exists(store._name(keys[0])) == 0
    finally:
        store.clear(keys=keys)
