"""Signing keys, code issuances (one row per serial range, never per code), scans and buyer claims."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from suyuan.trace.db import Base
from suyuan.trace.model.goods import Batch
from suyuan.trace.model.parties import str_enum
from suyuan.trace.model.types import UtcDateTime, utcnow


class KeyStatus(enum.StrEnum):
    """An active key signs new codes; retired keys still verify; revoked keys' codes verify as revoked."""

    ACTIVE = "active"
    RETIRED = "retired"
    REVOKED = "revoked"


class SigningKey(Base):
    """An Ed25519 key; the private half is stored only as encrypted PKCS#8."""

    __tablename__ = "signing_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(8), unique=True)
    algorithm: Mapped[str] = mapped_column(String(16), default="Ed25519")
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[KeyStatus] = mapped_column(str_enum(KeyStatus, "key_status"), default=KeyStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(Text)


class Issuance(Base):
    """A signed serial range of one batch: a million codes cost this one row."""

    __tablename__ = "issuance"
    __table_args__ = (UniqueConstraint("batch_id", "first_serial", name="uq_issuance_batch_first"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    first_serial: Mapped[int] = mapped_column()
    last_serial: Mapped[int] = mapped_column()
    kid: Mapped[str] = mapped_column(ForeignKey("signing_key.kid"))
    statement: Mapped[str] = mapped_column(Text, deferred=True)  # ~1 kB JWS; scans never read it
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))

    batch: Mapped[Batch] = relationship()

    @property
    def count(self) -> int:
        """How many codes the range holds."""
        return self.last_serial - self.first_serial + 1


class Scan(Base):
    """One resolution of a code: when, coarse region, salted device hash, verdict. Never the raw IP."""

    __tablename__ = "scan"
    __table_args__ = (
        Index("ix_scan_batch_serial", "batch_id", "serial"),
        Index("ix_scan_code", "gtin", "lot", "serial"),
        # The trace's "most suspect codes" reads only the suspect scans of a lot (docs/bench-trace.md).
        Index(
            "ix_scan_lot_suspect",
            "gtin",
            "lot",
            "serial",
            sqlite_where=text("verdict = 'suspect'"),
            postgresql_where=text("verdict = 'suspect'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"))
    gtin: Mapped[str] = mapped_column(String(14))
    lot: Mapped[str] = mapped_column(String(20))
    serial: Mapped[str] = mapped_column(String(20))
    device_hash: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(64), default="")
    verdict: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)


class ScanTally(Base):
    """Scans per lot, China Standard Time day, verdict and region: what the trace and dashboards chart.

    The scan log grows by a row per scan; charts over a lot or a remit must not (issue 7: a trace of a
    lot with a million scans under 0.5 s). :func:`suyuan.trace.scan_tally.count_scan` adds every scan
    here in the scan's own transaction, so the tally is always the scan log summed up
    (:func:`suyuan.trace.scan_tally.rebuild_tally` recomputes it from the log).

    Keyed by the lot as scanned (GTIN, lot), like the scan log is read: a forged code is recorded
    without a batch but still names a lot, and that lot's owner should see it; ``(gtin, lot)`` names at
    most one batch, which gives the remit. ``region`` is ``""`` when the scan had none.
    ``first_scans`` counts the scans that were their code's (GTIN, lot, serial) first ever, so its sum
    over a lot is the number of distinct codes scanned.
    """

    __tablename__ = "scan_tally"
    __table_args__ = (
        PrimaryKeyConstraint("gtin", "lot", "day", "verdict", "region", name="pk_scan_tally"),
        {"sqlite_with_rowid": False},  # SQLite keeps the rows in key order: a lot's days are adjacent
    )

    gtin: Mapped[str] = mapped_column(String(14))
    lot: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column()  # the calendar day in China Standard Time (UTC+8)
    verdict: Mapped[str] = mapped_column(String(16))
    region: Mapped[str] = mapped_column(String(64))
    scans: Mapped[int] = mapped_column()
    first_scans: Mapped[int] = mapped_column()


class Claim(Base):
    """A buyer's "I bought this": later scans from other devices turn the code suspect."""

    __tablename__ = "claim"
    __table_args__ = (UniqueConstraint("batch_id", "serial", name="uq_claim_batch_serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"))
    serial: Mapped[str] = mapped_column(String(20))
    device_hash: Mapped[str] = mapped_column(String(32))
    contact: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
