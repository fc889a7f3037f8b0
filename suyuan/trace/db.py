"""Engine and session plumbing shared by the web app, the CLI and the tests.

SQLite is the embedded default, so its connections are configured here once: WAL mode (readers
never block the writer), foreign keys on (SQLite leaves them off), and a busy timeout so two
writers queue instead of failing at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Engine, create_engine, event, func
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


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One use case, one transaction: commit on success, roll back everything on any error.

    This is what guarantees "nothing half-written" for every entry point.
    """
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
