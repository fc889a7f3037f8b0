"""Fixed-window throttles for abusable actions (sign-in attempts, anonymous uploads, complaints).

A throttle key (``scope:digest``) names who is being counted: an account, a client address. Each key
has one :class:`~suyuan.trace.model.ThrottleBucket` row holding the start of its current window and
the hits in it. :func:`hit` counts one attempt with a single ``INSERT … ON CONFLICT DO UPDATE`` that
also restarts an expired window, so concurrent attempts each see a distinct count on SQLite (the
statement takes the write lock) and on PostgreSQL (the row lock): a limit of 10 lets exactly 10
through, however many arrive at once. The count lives in the database, not in process memory, so
every worker and server of a deployment shares it.

Keys are keyed hashes (:func:`throttle_key`): the table never holds a client address or an e-mail
that someone typed, only an HMAC-SHA256 under a salt derived from the installation's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from suyuan.trace.errors import Throttled
from suyuan.trace.model import ThrottleBucket
from suyuan.trace.model.types import UtcDateTime, utcnow

# Buckets whose window began longer ago than this are deleted by :func:`purge`; no throttle may use a
# longer window.
RETENTION = timedelta(days=1)
MAX_KEY_LENGTH = 100


@dataclass(frozen=True)
class Limit:
    """At most ``hits`` attempts per ``window`` for each key of one scope (e.g. 10 per 15 minutes)."""

    hits: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.hits < 1 or not timedelta(0) < self.window <= RETENTION:
            raise ValueError(f"a limit needs hits >= 1 and a window of at most {RETENTION}")


def throttle_key(secret: str, scope: str, value: str) -> str:
    """The bucket key of ``value`` (an address, an e-mail) under ``scope``: ``scope:`` + keyed hash.

    The salt is derived from the installation's secret, so the stored key reveals neither the value
    nor, by a dictionary of addresses, which value it was; the same value always maps to the same key.
    """
    salt = hmac.new(secret.encode("utf-8"), b"suyuan throttle salt v1", hashlib.sha256).digest()
    digest = hmac.new(salt, value.encode("utf-8"), hashlib.sha256).hexdigest()
    key = f"{scope}:{digest}"
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"throttle scope {scope!r} is too long")
    return key


def hit(session: Session, key: str, limit: Limit, now: datetime | None = None) -> int:
    """Count one attempt under ``key``; return the attempts in the window, or raise :class:`Throttled`.

    Over the limit the attempt is refused with the seconds left in the window. The caller's unit of
    work then rolls back, so refused attempts do not count and the window is never prolonged by them;
    attempts within the limit count once committed.
    """
    now = now or utcnow()
    hits, window_start = _increment(session, key, now, now - limit.window)
    if hits > limit.hits:
        retry_after = max(1, math.ceil((window_start + limit.window - now).total_seconds()))
        raise Throttled(f"too many attempts; try again in {retry_after} seconds", retry_after)
    return hits


def _increment(session: Session, key: str, now: datetime, expired_before: datetime) -> tuple[int, datetime]:
    """One atomic upsert: a new bucket at 1, an expired window restarted at 1, else one more hit."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    started = literal(now, UtcDateTime())
    expired = ThrottleBucket.window_start <= expired_before
    statement = (
        insert(ThrottleBucket)
        .values(key=key, window_start=now, hits=1)
        .on_conflict_do_update(
            index_elements=[ThrottleBucket.key],
            set_={
                "hits": case((expired, 1), else_=ThrottleBucket.hits + 1),
                "window_start": case((expired, started), else_=ThrottleBucket.window_start),
            },
        )
        .returning(ThrottleBucket.hits, ThrottleBucket.window_start)
    )
    row = session.execute(statement).one()
    return int(row.hits), row.window_start


def forgive(session: Session, key: str) -> None:
    """Take back one counted attempt under ``key`` (e.g. a sign-in that succeeded), never below zero.

    Counting every attempt first and forgiving the successful ones counts failures without a gap
    between "check" and "count" that concurrent attempts could slip through.
    """
    session.execute(
        update(ThrottleBucket)
        .where(ThrottleBucket.key == key, ThrottleBucket.hits > 0)
        .values(hits=ThrottleBucket.hits - 1)
    )


def purge(session: Session, now: datetime | None = None) -> int:
    """Delete buckets whose window began more than :data:`RETENTION` ago; return how many.

    Old buckets would otherwise pile up, one per address or e-mail ever tried. Rows another unit is
    updating are skipped (PostgreSQL ``SKIP LOCKED``), so two purges never wait on each other.
    """
    cutoff = (now or utcnow()) - RETENTION
    stale = (
        select(ThrottleBucket.key)
        .where(ThrottleBucket.window_start < cutoff)
        .limit(1000)
        .with_for_update(skip_locked=True)
    )
    keys = list(session.scalars(stale))
    if keys:
        session.execute(delete(ThrottleBucket).where(ThrottleBucket.key.in_(keys)))
    return len(keys)
