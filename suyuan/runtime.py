"""The running system's shared parts, built once from settings: engine, sessions, key ring.

Both edges (the Flask app and the CLI) build one :class:`Runtime` and call domain services through
it, so they cannot drift apart in how they connect, sign or resolve codes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from suyuan.config import Settings, key_passphrase
from suyuan.trace.codes import code_base
from suyuan.trace.db import make_engine, make_session_factory, unit_of_work
from suyuan.trace.keys import KeyRing
from suyuan.trace.scanning import CloneRules


@dataclass
class Runtime:
    """Lazily built resources of one process; cheap to create, connections open on first use."""

    settings: Settings
    clone_rules: CloneRules = field(default_factory=CloneRules)

    @cached_property
    def engine(self) -> Engine:
        """The database engine (pool per process); a server database is pinged on checkout, a file is not."""
        url = self.settings.database_url
        return make_engine(url, pool_pre_ping=not url.startswith("sqlite"))

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
        """One unit of work: commit on success, roll back on any error."""
        with unit_of_work(self.sessions) as session:
            yield session
