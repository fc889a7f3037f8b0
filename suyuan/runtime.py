"""The running system's shared parts, built once from settings: engine, sessions, key ring.

Both edges (the Flask app and the CLI) build one :class:`Runtime` and call domain services through
it, so they cannot drift apart in how they connect, sign or resolve codes.

:meth:`Runtime.transaction` is the one way to open a unit of work. Units nest by joining: an API
request opens one around authentication, the visibility check and the view (``suyuan.web.auth``), and
the view's own ``transaction()`` blocks take part in it, so a call is one transaction on one connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from suyuan.config import Settings, key_passphrase
from suyuan.trace.codes import code_base
from suyuan.trace.db import DOOMED, make_engine, make_session_factory, unit_of_work
from suyuan.trace.keys import KeyRing
from suyuan.trace.scan_cache import ScanCache, name_connections, watch_commits
from suyuan.trace.scan_facts import FactsReader
from suyuan.trace.scan_path import ScanPath
from suyuan.trace.scan_writer import ScanWriter
from suyuan.trace.scanning import CloneRules


@dataclass
class Runtime:
    """Lazily built resources of one process; cheap to create, connections open on first use."""

    settings: Settings
    clone_rules: CloneRules = field(default_factory=CloneRules)
    # The unit of work open in this thread or task, per runtime (tests run several apps in one thread).
    connection_name: Callable[[], str] | None = field(default=None, init=False, repr=False)  # PostgreSQL
    _open_unit: ContextVar[Session | None] = field(
        default_factory=lambda: ContextVar("suyuan_open_unit", default=None), init=False, repr=False
    )

    @cached_property
    def engine(self) -> Engine:
        """The database engine (pool per process); a server database is pinged on checkout, a file is not."""
        url = self.settings.database_url
        engine = make_engine(url, pool_pre_ping=not url.startswith("sqlite"))
        if engine.dialect.name == "postgresql":
            self.connection_name = name_connections(engine)  # a scan cache tells its process's scans
        return engine

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
    def scan_cache(self) -> ScanCache | None:
        """PostgreSQL, scans written in batches (servers): what scans read, in memory (trace.scan_cache).

        ``None`` on SQLite (every read is in-process) and when scans are written in the request
        (``scan_write_delay_ms`` 0: scripts and most tests, which then hold no listening connection).
        """
        url = make_url(self.settings.database_url)
        if not url.drivername.startswith("postgresql") or self.settings.scan_write_delay_ms <= 0:
            return None
        _ = self.engine  # names its connections
        assert self.connection_name is not None
        return ScanCache(
            url.set(drivername="postgresql").render_as_string(hide_password=False), self.connection_name
        )

    @cached_property
    def scan_path(self) -> ScanPath:
        """The scan path's fast lane: cached genuine codes answered with one read (suyuan.trace.scan_path)."""
        return ScanPath(
            FactsReader(self.scan_reads), self.scan_writer, self.clone_rules, cache=self.scan_cache
        )

    def close(self) -> None:
        """Write queued scans and close the pools (tests and servers stopping; at exit it happens anyway)."""
        if self.__dict__.get("scan_cache") is not None:
            self.scan_cache.close()  # type: ignore[union-attr]
        if "scan_path" in self.__dict__:
            self.scan_path.reader.close()
        if "scan_writer" in self.__dict__:
            self.scan_writer.close()
        if "scan_reads" in self.__dict__ and self.scan_reads is not self.__dict__.get("engine"):
            self.scan_reads.dispose()
        if "engine" in self.__dict__:
            self.engine.dispose()

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory bound to :attr:`engine`; on PostgreSQL a commit that changed what scans
        read waits until every process's scan cache applied it (suyuan.trace.scan_cache)."""
        factory = make_session_factory(self.engine)
        if self.engine.dialect.name == "postgresql":
            watch_commits(factory, self.engine)
        return factory

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
