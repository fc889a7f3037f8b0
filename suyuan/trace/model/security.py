"""Tables that defend the system rather than describe the trade: abuse throttles and audit checkpoints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from suyuan.trace.db import Base
from suyuan.trace.model.types import UtcDateTime, utcnow


class ThrottleBucket(Base):
    """A fixed-window counter for one abusable key (a login e-mail, a salted client-address hash, ...).

    Kept in the database rather than in process memory so that every worker and every server of a
    deployment shares the count; ``key`` is already hashed by the caller, never a raw address.
    """

    __tablename__ = "throttle_bucket"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    hits: Mapped[int] = mapped_column(default=0)


class AuditCheckpoint(Base):
    """A signed statement "the audit log had ``seq`` entries ending in ``head_hash``" at ``at``.

    A database writer can rewrite the hash chain consistently; it cannot forge the office key's
    signature over an older head, so ``suyuan audit verify`` checks the chain against these.
    """

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    kid: Mapped[str] = mapped_column(String(64))
    jws: Mapped[str] = mapped_column(Text)
