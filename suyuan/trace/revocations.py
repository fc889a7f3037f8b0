"""The signed revocation list: what offline verifiers must learn since they last synced.

In the spirit of SMART Health Cards' per-key revocation lists and the EU DCC revocation lists: a compact
JWS (``typ: suyuan-revocations+jws``), signed with the active key only, listing revoked keys and
recalled or stopped batches (and, for a batch whose exit a failed spot check blocked, the serials
already sold, which are recalled). It is versioned by the audit log's head sequence, which only grows
and moves with every revocation, recall or stop-sale, and it expires ``LIFETIME`` after it was signed,
so a verifier can refuse both an old list replayed after a recall and one that was never refreshed.
Served at ``/.well-known/suyuan/revocations.json``; the JWKS names the current version, below which a
verifier refuses a list. The rules a verifier applies are in docs/codes.md §"The revocation list".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.trace import jws
from suyuan.trace.keys import KeyRing, require_active_key
from suyuan.trace.model import AuditEntry, Batch, BatchStatus, KeyStatus, SigningKey, SoldCode, SoldStatus
from suyuan.trace.model.types import utcnow

LIST_TYPE = "suyuan-revocations+jws"
LIFETIME = timedelta(days=7)  # a verifier that has not refreshed the list for a week must go online


def current_version(session: Session) -> int:
    """The list's version: the audit log's head sequence number (0 for an empty log)."""
    return int(session.scalar(select(func.coalesce(func.max(AuditEntry.seq), 0))) or 0)


def revocation_payload(session: Session, base: str, now: datetime | None = None) -> dict[str, Any]:
    """What is revoked, recalled or stopped right now, valid from ``now`` for ``LIFETIME``."""
    issued = int((now or utcnow()).timestamp())
    keys = session.scalars(select(SigningKey).filter_by(status=KeyStatus.REVOKED).order_by(SigningKey.id))
    listed = (BatchStatus.RECALLED, BatchStatus.STOPPED, BatchStatus.EXIT_BLOCKED)
    stopped = session.scalars(select(Batch).where(Batch.status.in_(listed)).order_by(Batch.id))
    return {
        "iss": base,
        "version": current_version(session),
        "iat": issued,
        "exp": issued + int(LIFETIME.total_seconds()),
        "revoked_keys": [
            {"kid": k.kid, "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None} for k in keys
        ],
        "batches": [_batch_entry(session, b) for b in stopped],
        "voided_codes": [],  # nothing voids single codes yet; verifiers already honour entries
    }


def _batch_entry(session: Session, batch: Batch) -> dict[str, Any]:
    entry: dict[str, Any] = {"gtin": batch.gtin, "lot": batch.lot, "status": batch.status.value}
    if batch.status is BatchStatus.EXIT_BLOCKED:
        entry["recalled_serials"] = sorted(
            session.scalars(select(SoldCode.serial).filter_by(batch_id=batch.id, status=SoldStatus.SOLD)),
            key=lambda s: (len(s), s),
        )
    return entry


def signed_revocation_list(session: Session, ring: KeyRing, base: str) -> str:
    """The list as a compact JWS signed by the active key (``KeyUnavailable`` when there is none).

    Never by a retired or revoked key: a verifier accepts only a key its JWKS marks ``active``, and
    ``keys.revoke_key`` never leaves the office without one.
    """
    key = require_active_key(session)
    return jws.sign(revocation_payload(session, base), ring.private_key(key), key.kid, LIST_TYPE)
