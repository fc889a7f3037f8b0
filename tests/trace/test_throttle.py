"""Fixed-window throttles in the database: counted atomically, windows restart, old buckets go.

Run on SQLite and on PostgreSQL (``SUYUAN_TEST_DATABASE_URL``): the upsert is dialect-specific, and
the concurrency test is the one that shows a limit cannot be slipped under by parallel attempts.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import throttle
from suyuan.trace.errors import Throttled
from suyuan.trace.model import ThrottleBucket
from suyuan.trace.throttle import Limit

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
FIVE_PER_MINUTE = Limit(5, timedelta(minutes=1))


def hits_of(session: Session, key: str) -> int | None:
    session.expire_all()
    return session.scalar(select(ThrottleBucket.hits).where(ThrottleBucket.key == key))


def test_attempts_are_counted_up_to_the_limit_then_refused_with_the_time_left(runtime: Runtime) -> None:
    with runtime.transaction() as db:
        counts = [throttle.hit(db, "k", FIVE_PER_MINUTE, T0 + timedelta(seconds=i)) for i in range(5)]
    assert counts == [1, 2, 3, 4, 5]
    with pytest.raises(Throttled) as refused, runtime.transaction() as db:
        throttle.hit(db, "k", FIVE_PER_MINUTE, T0 + timedelta(seconds=20))
    assert refused.value.retry_after == 40 and refused.value.code == "throttled"


def test_refused_attempts_neither_count_nor_prolong_the_window(runtime: Runtime, session: Session) -> None:
    with runtime.transaction() as db:
        for _ in range(5):
            throttle.hit(db, "k", FIVE_PER_MINUTE, T0)
    for second in (10, 30, 59):
        with pytest.raises(Throttled), runtime.transaction() as db:
            throttle.hit(db, "k", FIVE_PER_MINUTE, T0 + timedelta(seconds=second))
    assert hits_of(session, "k") == 5
    with runtime.transaction() as db:  # the window began at T0, so it is over one minute later
        assert throttle.hit(db, "k", FIVE_PER_MINUTE, T0 + timedelta(seconds=60)) == 1


def test_each_key_has_its_own_window(runtime: Runtime) -> None:
    with runtime.transaction() as db:
        for _ in range(5):
            throttle.hit(db, "a", FIVE_PER_MINUTE, T0)
        assert throttle.hit(db, "b", FIVE_PER_MINUTE, T0) == 1


def test_concurrent_attempts_never_pass_more_than_the_limit(runtime: Runtime, session: Session) -> None:
    allowed, refused = [], []
    start = threading.Barrier(12)

    def attempt() -> None:
        start.wait()
        try:
            with runtime.transaction() as db:
                throttle.hit(db, "race", FIVE_PER_MINUTE)
            allowed.append(1)
        except Throttled:
            refused.append(1)

    workers = [threading.Thread(target=attempt) for _ in range(12)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert len(allowed) == 5 and len(refused) == 7
    assert hits_of(session, "race") == 5


def test_forgiving_takes_back_one_attempt_and_never_goes_below_zero(
    runtime: Runtime, session: Session
) -> None:
    with runtime.transaction() as db:
        throttle.hit(db, "k", FIVE_PER_MINUTE, T0)
        throttle.hit(db, "k", FIVE_PER_MINUTE, T0)
        throttle.forgive(db, "k")
        throttle.forgive(db, "k")
        throttle.forgive(db, "k")
        throttle.forgive(db, "never-seen")
    assert hits_of(session, "k") == 0
    assert hits_of(session, "never-seen") is None


def test_purge_deletes_only_buckets_of_long_gone_windows(runtime: Runtime, session: Session) -> None:
    with runtime.transaction() as db:
        throttle.hit(db, "old", FIVE_PER_MINUTE, T0)
        throttle.hit(db, "recent", FIVE_PER_MINUTE, T0 + timedelta(hours=20))
    with runtime.transaction() as db:
        assert throttle.purge(db, T0 + timedelta(days=1, minutes=1)) == 1
    assert session.scalars(select(ThrottleBucket.key)).all() == ["recent"]


def test_keys_are_keyed_hashes_of_the_value() -> None:
    key = throttle.throttle_key("secret-1", "login-address", "203.0.113.9")
    scope, digest = key.split(":")
    assert scope == "login-address" and len(digest) == 64 and "203" not in digest
    assert key == throttle.throttle_key("secret-1", "login-address", "203.0.113.9")
    assert key != throttle.throttle_key("secret-2", "login-address", "203.0.113.9")
    assert key != throttle.throttle_key("secret-1", "login-account", "203.0.113.9")


def test_limits_refuse_windows_longer_than_the_retention() -> None:
    with pytest.raises(ValueError):
        Limit(5, timedelta(days=2))
    with pytest.raises(ValueError):
        Limit(0, timedelta(minutes=1))
