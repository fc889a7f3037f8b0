"""Signing keys, code issuances (one row per serial range, never per code), scans and buyer claims."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
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
