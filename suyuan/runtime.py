"""The running system's shared parts, built once from settings: engine, sessions, key ring.

Both edges (the Flask app and the CLI) build one :class:`Runtime` and call domain services through
it, so they cannot drift apart in how they connect, sign or resolve codes.

:meth:`Runtime.transaction` is the one way to open a unit of work. Units nest by joining: an API
request opens one around authentication, the visibility check and the view (``suyuan.web.auth``), and
the view's own ``transaction()`` blocks take part in it, so a call is one transaction on one connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from suyuan.config import Settings, key_passphrase
from suyuan.trace.codes import code_base
from suyuan.trace.db import DOOMED, make_engine, make_session_factory, unit_of_work
from suyuan.trace.keys import KeyRing
from suyuan.trace.scan_path import ScanPath
from suyuan.trace.scan_writer import ScanWriter
from suyuan.trace.scanning import CloneRules


@dataclass
class Runtime:
    """Lazily built resources of one process; cheap to create, connections open on first use."""

    settings: Settings
    clone_rules: CloneRules = field(default_factory=CloneRules)
    # The unit of work open in this thread or task, per runtime (tests run several apps in one thread).
    _open_unit: ContextVar[Session | None] = field(
        default_factory=lambda: ContextVar("suyuan_open_unit", default=None), init=False, repr=False
    )

    @cached_property
    def engine(self) -> Engine:
        """The database engine (pool per process); a server database is pinged on checkout, a file is not."""
        url = self.settings.database_url
        return make_engine(url, pool_pre_ping=not url.startswith("sqlite"))

    @cached_property
    def scan_reads(self) -> Engine:
        """The engine of the scan path's one read: on PostgreSQL autocommit without pre-ping, so that a
        scan is one round trip (:mod:`suyuan.trace.scan_path` retries once on a dropped connection)."""
        url = self.settings.database_url
        if url.startswith("sqlite"):
            return self.engine  # no round trips to save; one pool keeps SQLite's locking simple
        return make_engine(url, isolation_level="AUTOCOMMIT", pool_size=2, max_overflow=8)

    @cached_property
    def scan_writer(self) -> ScanWriter:
        """The process's writer of scans (batched every ``scan_write_delay_ms``; 0: in the request)."""
        return ScanWriter(self.sessions, delay=self.settings.scan_write_delay_ms / 1000)

    @cached_property
    def scan_path(self) -> ScanPath:
        """The scan path's fast lane: cached genuine codes answered with one read (suyuan.trace.scan_path)."""
        return ScanPath(self.scan_reads, self.scan_writer, self.clone_rules)

    def close(self) -> None:
        """Write queued scans and close the pools (tests and servers stopping; at exit it happens anyway)."""
        if "scan_writer" in self.__dict__:
            self.scan_writer.close()
        if "scan_reads" in self.__dict__ and self.scan_reads is not self.__dict__.get("engine"):
            self.scan_reads.dispose()
        if "engine" in self.__dict__:
            self.engine.dispose()

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory bound to :attr:`engine`."""
        return make_session_factory(self.engine)

    @cached_property
    def ring(self) -> KeyRing:
        """The key ring; reading the passphrase is deferred until a key is first needed."""
        return KeyRing(key_passphrase(self.settings), kdf_rounds=self.settings.key_kdf_rounds)

    @property
    def code_base(self) -> str:
        """The base URL as printed in codes."""
        return code_base(self.settings.base_url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error; inside another unit, join it.

        A joined block neither commits nor closes: the outermost unit does, once. If a joined block
        fails, the whole unit is marked to roll back even when its caller catches the error, so a
        caught failure can never let the half of its work that ran be committed.
        """
        joined = self._open_unit.get()
        if joined is not None:
            try:
                yield joined
            except BaseException:
                joined.info[DOOMED] = True
                raise
            return
        with unit_of_work(self.sessions) as session:
            token = self._open_unit.set(session)
            try:
                yield session
            finally:
                self._open_unit.reset(token)
