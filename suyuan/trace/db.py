"""Engine and session plumbing shared by the web app, the CLI and the tests.

SQLite is the embedded default, so its connections are configured here once: WAL mode (readers
never block the writer), foreign keys on (SQLite leaves them off), and a busy timeout so two
writers queue instead of failing at once.

Decisions that read before they write (a buyer's annual quota, a device's complaint limit, a code's
first scan in the tally) call :func:`serialise` before reading, which makes the rest of the unit of work
the only one deciding for that key, on both databases. On SQLite this takes the database's write lock
with ``BEGIN IMMEDIATE`` only in those units, not in every unit of work: pysqlite's own transaction
handling is kept (it begins a transaction just before the first INSERT/UPDATE/DELETE; reads before that
see the latest commit), so ordinary units, the scan path and long streamed downloads (labels, code
lists) never hold the write lock while they read, and concurrent readers never queue behind each other.
Beginning every unit IMMEDIATE would have serialised all of them, and a label render holding the write
lock for seconds would make scans fail with "database is locked".
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Engine, Insert, create_engine, event, func, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    """Declarative base of every Suyuan table; its metadata is what Alembic migrates."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with Suyuan's connection settings applied."""
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def serialise(session: Session, scope: str, key: str) -> None:
    """Make the rest of this unit of work the only one deciding for ``key`` of ``scope`` until it ends.

    Call it before the reads a write depends on (count, then insert): two units that both read
    before either writes would both pass a limit. The hold ends at commit or rollback.

    - PostgreSQL: a transaction-scoped advisory lock on a 64-bit hash of ``scope`` and ``key``; units
      of other keys are not held up, and (READ COMMITTED) each later statement sees what the previous
      holder committed.
    - SQLite: the database's write lock, taken by ``BEGIN IMMEDIATE`` (waiting up to the busy
      timeout), so reads that follow see the latest commit and no other writer can come in between.
      If the unit has already written, pysqlite has begun its transaction with that write, which
      took the write lock already.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(scope, key)})
    elif dialect == "sqlite":
        _hold_sqlite_write_lock(session)


def advisory_key(scope: str, key: str) -> int:
    """The 64-bit PostgreSQL advisory lock key :func:`serialise` takes for ``key`` of ``scope``.

    Public so that a writer holding many keys at once (the batched scan writer) takes the very locks
    that single units take, and the two exclude each other.
    """
    digest = hashlib.sha256(f"suyuan:{scope}|{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _hold_sqlite_write_lock(session: Session) -> None:
    """``BEGIN IMMEDIATE`` unless the unit is already in a transaction, which (pysqlite begins one only
    for a write) means it holds the write lock. Relies on pysqlite's default transaction handling: an
    engine with ``isolation_level=None`` plus a plain ``BEGIN`` would break that inference."""
    connection = session.connection()
    if not connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@functools.cache
def insert_or_skip(dialect: str, entity: type[Base], *conflict: str) -> Insert:
    """An INSERT that does nothing when a unique key (``conflict``, or any) is already taken.

    Both databases say it the same way (``ON CONFLICT … DO NOTHING``) but SQLAlchemy builds it per
    dialect; built once per (dialect, table, key) so a hot path does not rebuild it per row. Executed
    on the session's connection; with ``.returning(...)`` the caller learns whether it was written.
    """
    maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return maker(entity).on_conflict_do_nothing(index_elements=list(conflict) or None)


def relaxed_durability() -> ColumnElement[str]:
    """Let the transaction commit without waiting for the WAL flush (PostgreSQL), as a column of a query.

    For scan records: a crash may lose the last few hundred milliseconds of scans, never consistency,
    and a scan no longer holds a worker for a disk flush (4 ms on this VM, docs/bench-codes.md). SQLite
    already runs WAL with ``synchronous=NORMAL``. Never use it for regulatory decisions.
    ``set_config('synchronous_commit', 'off', true)`` is ``SET LOCAL`` as a function: selected along with
    data it saves the round trip of a statement of its own. It runs once per row returned, so use it only
    in a query that returns a row whenever durability must be relaxed.
    """
    return func.set_config("synchronous_commit", "off", True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit (views render after committing)."""
    return sessionmaker(engine, expire_on_commit=False)


# Set in ``session.info`` when a block that joined a unit failed (``suyuan.runtime.Runtime.transaction``):
# the unit then rolls back even if the caller caught the error, so nothing half-written survives.
DOOMED = "suyuan.doomed"


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One use case, one transaction: commit on success, roll back everything on any error.

    This is what guarantees "nothing half-written" for every entry point. It is SQLAlchemy's own
    ``sessionmaker.begin()`` (commit, or rollback on an exception, then close), plus one rule: a unit
    marked :data:`DOOMED` rolls back instead of committing.
    """
    with factory.begin() as session:
        yield session
        if session.info.pop(DOOMED, False):
            session.rollback()
